package twofactor

import (
	"encoding/binary"
	"hash/adler32"
	"sync"
)

// This file is a port of the deflate that CPython's zlib.compress runs:
// zlib 1.2.13 (Debian bookworm, Warehouse's base image) at level 6 with a
// 15-bit window, memLevel 8 and the default strategy. Go's compress/zlib
// makes different (equally valid) bytes, and the bytes decide both whether
// itsdangerous keeps the compressed payload and what the token looks like.
// Names follow zlib's deflate.c and trees.c so the two can be read side by
// side.

const (
	wSize        = 1 << 15
	wMask        = wSize - 1
	hashMask     = 1<<15 - 1 // hash_bits = memLevel + 7
	minMatch     = 3
	maxMatch     = 258
	minLookahead = maxMatch + minMatch + 1
	maxDist      = wSize - minLookahead
	tooFar       = 4096

	// configuration_table[6]
	goodMatch = 8
	maxLazy   = 16
	niceMatch = 128
	maxChain  = 128

	litBufSize  = 1 << 14 // 1 << (memLevel + 6)
	literals    = 256
	endBlock    = 256
	lengthCodes = 29
	lCodes      = literals + 1 + lengthCodes
	dCodes      = 30
	blCodes     = 19
	heapSize    = 2*lCodes + 1
	maxBits     = 15
	maxBLBits   = 7

	rep3To6    = 16
	repz3To10  = 17
	repz11To38 = 18

	storedBlock = 0
	staticTrees = 1
	dynTrees    = 2
)

var (
	extraLBits  = []int{0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0}
	extraDBits  = []int{0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13}
	extraBLBits = []int{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 3, 7}
	blOrder     = []int{16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15}
)

// staticTables holds what zlib's tr_static_init computes.
type staticTables struct {
	lengthCode [maxMatch - minMatch + 1]int
	distCode   [512]int
	baseLength [lengthCodes]int
	baseDist   [dCodes]int
	ltree      huffTree
	dtree      huffTree
}

var static = newStaticTables()

func newStaticTables() *staticTables {
	t := &staticTables{}
	length := 0
	code := 0
	for ; code < lengthCodes-1; code++ {
		t.baseLength[code] = length
		for range 1 << extraLBits[code] {
			t.lengthCode[length] = code
			length++
		}
	}
	// Length 258 has its own code, 28, not the 284 that 227+31 would give.
	t.lengthCode[length-1] = code
	dist := 0
	for code = 0; code < 16; code++ {
		t.baseDist[code] = dist
		for range 1 << extraDBits[code] {
			t.distCode[dist] = code
			dist++
		}
	}
	dist >>= 7
	for ; code < dCodes; code++ {
		t.baseDist[code] = dist << 7
		for range 1 << (extraDBits[code] - 7) {
			t.distCode[256+dist] = code
			dist++
		}
	}

	t.ltree = newHuffTree(lCodes + 2)
	var count [maxBits + 1]int
	for n := range lCodes + 2 {
		switch {
		case n <= 143:
			t.ltree.len[n] = 8
		case n <= 255:
			t.ltree.len[n] = 9
		case n <= 279:
			t.ltree.len[n] = 7
		default:
			t.ltree.len[n] = 8
		}
		count[t.ltree.len[n]]++
	}
	genCodes(&t.ltree, lCodes+1, &count)
	t.dtree = newHuffTree(dCodes)
	for n := range dCodes {
		t.dtree.len[n] = 5
		t.dtree.code[n] = bitReverse(n, 5)
	}
	return t
}

func (t *staticTables) dCode(dist int) int {
	if dist < 256 {
		return t.distCode[dist]
	}
	return t.distCode[256+dist>>7]
}

// huffTree is zlib's ct_data array, with the unions split into fields.
type huffTree struct {
	freq, code, dad, len []int
	maxCode              int
}

func newHuffTree(n int) huffTree {
	return huffTree{freq: make([]int, n), code: make([]int, n), dad: make([]int, n), len: make([]int, n)}
}

// treeDesc is zlib's static_tree_desc.
type treeDesc struct {
	static    *huffTree // nil for the bit-length tree
	extra     []int
	extraBase int
	elems     int
	maxLength int
}

var (
	lDesc  = treeDesc{&static.ltree, extraLBits, literals + 1, lCodes, maxBits}
	dDesc  = treeDesc{&static.dtree, extraDBits, 0, dCodes, maxBits}
	blDesc = treeDesc{nil, extraBLBits, 0, blCodes, maxBLBits}
)

// symbol is one entry of zlib's sym_buf: a literal (dist 0) or a match.
type symbol struct {
	dist int
	lc   int
}

// bitWriter is zlib's bi_buf and pending output: bits go out LSB first.
type bitWriter struct {
	out   []byte
	buf   uint64
	valid uint
}

func (w *bitWriter) send(value, length int) {
	w.buf |= uint64(value) << w.valid
	w.valid += uint(length)
	for w.valid >= 8 {
		w.out = append(w.out, byte(w.buf))
		w.buf >>= 8
		w.valid -= 8
	}
}

// windup is bi_windup: pad to a byte boundary.
func (w *bitWriter) windup() {
	if w.valid > 0 {
		w.out = append(w.out, byte(w.buf))
	}
	w.buf, w.valid = 0, 0
}

// deflater is zlib's deflate_state for one compress() call.
type deflater struct {
	in         []byte
	window     [2 * wSize]byte
	head       [hashMask + 1]uint16
	prev       [wSize]uint16
	strstart   int
	lookahead  int
	blockStart int

	matchStart, matchLength int
	prevMatch, prevLength   int
	matchAvailable          bool

	syms         []symbol
	ltree, dtree huffTree
	bltree       huffTree
	heap         [heapSize]int
	heapLen      int
	heapMax      int
	depth        [heapSize]int
	blCount      [maxBits + 1]int
	optLen       int
	staticLen    int
	w            bitWriter
}

// deflaters holds deflate states for reuse: one is a quarter of a megabyte,
// and allocating it for every token would keep the garbage collector busy.
var deflaters = sync.Pool{New: func() any { return new(deflater) }}

// zlibCompress returns what CPython's zlib.compress(data) returns.
func zlibCompress(data []byte) []byte {
	d := deflaters.Get().(*deflater)
	defer deflaters.Put(d)
	// Start from zlib's state after deflateInit, keeping only the buffers
	// that every block rebuilds before reading.
	*d = deflater{
		in:          data,
		matchLength: minMatch - 1,
		prevLength:  minMatch - 1,
		syms:        d.syms[:0],
		ltree:       d.ltree,
		dtree:       d.dtree,
		bltree:      d.bltree,
	}
	if d.ltree.freq == nil {
		d.ltree = newHuffTree(heapSize)
		d.dtree = newHuffTree(2*dCodes + 1)
		d.bltree = newHuffTree(2*blCodes + 1)
	}
	d.w.out = append(make([]byte, 0, len(data)/2+16), 0x78, 0x9c)
	d.initBlock()
	d.deflateSlow()
	return binary.BigEndian.AppendUint32(d.w.out, adler32.Checksum(data))
}

// fillWindow is fill_window: slide the window when it is nearly full, then
// read as much input as fits.
func (d *deflater) fillWindow() {
	for {
		more := len(d.window) - d.lookahead - d.strstart
		if d.strstart >= wSize+maxDist {
			copy(d.window[:], d.window[wSize:2*wSize-more])
			d.matchStart -= wSize
			d.strstart -= wSize
			d.blockStart -= wSize
			slide(d.head[:])
			slide(d.prev[:])
			more += wSize
		}
		if len(d.in) == 0 {
			return
		}
		n := copy(d.window[d.strstart+d.lookahead:][:more], d.in)
		d.in = d.in[n:]
		d.lookahead += n
		if d.lookahead >= minLookahead || len(d.in) == 0 {
			return
		}
	}
}

func slide(positions []uint16) {
	for i, m := range positions {
		if m >= wSize {
			positions[i] = m - wSize
		} else {
			positions[i] = 0
		}
	}
}

// insertString is INSERT_STRING. With 15 hash bits and a shift of 5 the
// rolling hash depends on the three bytes at str only.
func (d *deflater) insertString(str int) int {
	h := (int(d.window[str])<<10 ^ int(d.window[str+1])<<5 ^ int(d.window[str+2])) & hashMask
	head := int(d.head[h])
	d.prev[str&wMask] = uint16(head)
	d.head[h] = uint16(str)
	return head
}

// longestMatch is longest_match, without UNALIGNED_OK.
func (d *deflater) longestMatch(curMatch int) int {
	w := &d.window
	chain := maxChain
	scan := d.strstart
	bestLen := d.prevLength
	nice := min(niceMatch, d.lookahead)
	limit := max(d.strstart-maxDist, 0)
	scanEnd1, scanEnd := w[scan+bestLen-1], w[scan+bestLen]
	if d.prevLength >= goodMatch {
		chain >>= 2
	}
	for {
		m := curMatch
		// Byte 2 is not compared: equal hashes and equal bytes 0 and 1 imply it.
		if w[m+bestLen] == scanEnd && w[m+bestLen-1] == scanEnd1 && w[m] == w[scan] && w[m+1] == w[scan+1] {
			n := 3
			for n < maxMatch && w[scan+n] == w[m+n] {
				n++
			}
			if n > bestLen {
				d.matchStart = curMatch
				bestLen = n
				if n >= nice {
					break
				}
				scanEnd1, scanEnd = w[scan+bestLen-1], w[scan+bestLen]
			}
		}
		curMatch = int(d.prev[curMatch&wMask])
		chain--
		if curMatch <= limit || chain == 0 {
			break
		}
	}
	return min(bestLen, d.lookahead)
}

// deflateSlow is deflate_slow with flush = Z_FINISH: lazy matching.
func (d *deflater) deflateSlow() {
	for {
		if d.lookahead < minLookahead {
			d.fillWindow()
			if d.lookahead == 0 {
				break
			}
		}
		hashHead := 0
		if d.lookahead >= minMatch {
			hashHead = d.insertString(d.strstart)
		}
		d.prevLength, d.prevMatch = d.matchLength, d.matchStart
		d.matchLength = minMatch - 1
		if hashHead != 0 && d.prevLength < maxLazy && d.strstart-hashHead <= maxDist {
			d.matchLength = d.longestMatch(hashHead)
			if d.matchLength == minMatch && d.strstart-d.matchStart > tooFar {
				d.matchLength = minMatch - 1
			}
		}
		switch {
		case d.prevLength >= minMatch && d.matchLength <= d.prevLength:
			maxInsert := d.strstart + d.lookahead - minMatch
			full := d.tally(d.strstart-1-d.prevMatch, d.prevLength-minMatch)
			d.lookahead -= d.prevLength - 1
			for range d.prevLength - 2 {
				d.strstart++
				if d.strstart <= maxInsert {
					d.insertString(d.strstart)
				}
			}
			d.matchAvailable = false
			d.matchLength = minMatch - 1
			d.strstart++
			if full {
				d.flushBlock(false)
			}
		case d.matchAvailable:
			if d.tally(0, int(d.window[d.strstart-1])) {
				d.flushBlock(false)
			}
			d.strstart++
			d.lookahead--
		default:
			d.matchAvailable = true
			d.strstart++
			d.lookahead--
		}
	}
	if d.matchAvailable {
		d.tally(0, int(d.window[d.strstart-1]))
	}
	d.flushBlock(true)
}

// tally is _tr_tally: it reports whether the symbol buffer is full.
func (d *deflater) tally(dist, lc int) bool {
	d.syms = append(d.syms, symbol{dist, lc})
	if dist == 0 {
		d.ltree.freq[lc]++
	} else {
		d.ltree.freq[static.lengthCode[lc]+literals+1]++
		d.dtree.freq[static.dCode(dist-1)]++
	}
	return len(d.syms) == litBufSize-1
}

// flushBlock is FLUSH_BLOCK_ONLY.
func (d *deflater) flushBlock(last bool) {
	var stored []byte
	if d.blockStart >= 0 {
		stored = d.window[d.blockStart:d.strstart]
	}
	d.trFlushBlock(stored, d.strstart-d.blockStart, last)
	d.blockStart = d.strstart
}

func (d *deflater) initBlock() {
	clear(d.ltree.freq[:lCodes])
	clear(d.dtree.freq[:dCodes])
	clear(d.bltree.freq[:blCodes])
	d.ltree.freq[endBlock] = 1
	d.optLen, d.staticLen = 0, 0
	d.syms = d.syms[:0]
}

// trFlushBlock is _tr_flush_block: send the block stored, with the fixed
// codes or with its own codes, whichever zlib finds shortest.
func (d *deflater) trFlushBlock(stored []byte, storedLen int, last bool) {
	d.buildTree(&d.ltree, &lDesc)
	d.buildTree(&d.dtree, &dDesc)
	maxBLIndex := d.buildBLTree()
	optLenb := (d.optLen + 3 + 7) >> 3
	staticLenb := (d.staticLen + 3 + 7) >> 3
	optLenb = min(optLenb, staticLenb)
	lastBit := 0
	if last {
		lastBit = 1
	}
	switch {
	case storedLen+4 <= optLenb && stored != nil:
		d.w.send(storedBlock<<1+lastBit, 3)
		d.w.windup()
		d.w.out = binary.LittleEndian.AppendUint16(d.w.out, uint16(storedLen))
		d.w.out = binary.LittleEndian.AppendUint16(d.w.out, ^uint16(storedLen))
		d.w.out = append(d.w.out, stored...)
	case staticLenb == optLenb:
		d.w.send(staticTrees<<1+lastBit, 3)
		d.compressBlock(&static.ltree, &static.dtree)
	default:
		d.w.send(dynTrees<<1+lastBit, 3)
		d.sendAllTrees(d.ltree.maxCode+1, d.dtree.maxCode+1, maxBLIndex+1)
		d.compressBlock(&d.ltree, &d.dtree)
	}
	d.initBlock()
	if last {
		d.w.windup()
	}
}

func (d *deflater) compressBlock(ltree, dtree *huffTree) {
	for _, s := range d.syms {
		if s.dist == 0 {
			d.sendCode(s.lc, ltree)
			continue
		}
		code := static.lengthCode[s.lc]
		d.sendCode(code+literals+1, ltree)
		if extra := extraLBits[code]; extra != 0 {
			d.w.send(s.lc-static.baseLength[code], extra)
		}
		dist := s.dist - 1
		code = static.dCode(dist)
		d.sendCode(code, dtree)
		if extra := extraDBits[code]; extra != 0 {
			d.w.send(dist-static.baseDist[code], extra)
		}
	}
	d.sendCode(endBlock, ltree)
}

func (d *deflater) sendCode(c int, tree *huffTree) {
	d.w.send(tree.code[c], tree.len[c])
}

// smaller is zlib's smaller(): by frequency, then by depth.
func (d *deflater) smaller(tree *huffTree, n, m int) bool {
	return tree.freq[n] < tree.freq[m] || (tree.freq[n] == tree.freq[m] && d.depth[n] <= d.depth[m])
}

func (d *deflater) pqDownHeap(tree *huffTree, k int) {
	v := d.heap[k]
	for j := k << 1; j <= d.heapLen; j <<= 1 {
		if j < d.heapLen && d.smaller(tree, d.heap[j+1], d.heap[j]) {
			j++
		}
		if d.smaller(tree, v, d.heap[j]) {
			break
		}
		d.heap[k] = d.heap[j]
		k = j
	}
	d.heap[k] = v
}

// buildTree is build_tree: Huffman code lengths and codes for one tree,
// adding to optLen and staticLen.
func (d *deflater) buildTree(tree *huffTree, desc *treeDesc) {
	d.heapLen, d.heapMax = 0, heapSize
	maxCode := -1
	for n := range desc.elems {
		if tree.freq[n] != 0 {
			d.heapLen++
			d.heap[d.heapLen] = n
			maxCode = n
			d.depth[n] = 0
		} else {
			tree.len[n] = 0
		}
	}
	// The format wants at least one distance code and two codes overall.
	for d.heapLen < 2 {
		node := 0
		if maxCode < 2 {
			maxCode++
			node = maxCode
		}
		d.heapLen++
		d.heap[d.heapLen] = node
		tree.freq[node] = 1
		d.depth[node] = 0
		d.optLen--
		if desc.static != nil {
			d.staticLen -= desc.static.len[node]
		}
	}
	tree.maxCode = maxCode
	for n := d.heapLen / 2; n >= 1; n-- {
		d.pqDownHeap(tree, n)
	}
	node := desc.elems
	for {
		n := d.heap[1]
		d.heap[1] = d.heap[d.heapLen]
		d.heapLen--
		d.pqDownHeap(tree, 1)
		m := d.heap[1]
		d.heapMax--
		d.heap[d.heapMax] = n
		d.heapMax--
		d.heap[d.heapMax] = m
		tree.freq[node] = tree.freq[n] + tree.freq[m]
		d.depth[node] = max(d.depth[n], d.depth[m]) + 1
		tree.dad[n], tree.dad[m] = node, node
		d.heap[1] = node
		node++
		d.pqDownHeap(tree, 1)
		if d.heapLen < 2 {
			break
		}
	}
	d.heapMax--
	d.heap[d.heapMax] = d.heap[1]
	d.genBitLen(tree, desc)
	genCodes(tree, maxCode, &d.blCount)
}

// genBitLen is gen_bitlen: code lengths from the tree, capped at the
// descriptor's maximum the way zlib redistributes the overflow.
func (d *deflater) genBitLen(tree *huffTree, desc *treeDesc) {
	clear(d.blCount[:])
	overflow := 0
	tree.len[d.heap[d.heapMax]] = 0
	h := d.heapMax + 1
	for ; h < heapSize; h++ {
		n := d.heap[h]
		bits := tree.len[tree.dad[n]] + 1
		if bits > desc.maxLength {
			bits = desc.maxLength
			overflow++
		}
		tree.len[n] = bits
		if n > tree.maxCode {
			continue // not a leaf
		}
		d.blCount[bits]++
		xbits := 0
		if n >= desc.extraBase {
			xbits = desc.extra[n-desc.extraBase]
		}
		f := tree.freq[n]
		d.optLen += f * (bits + xbits)
		if desc.static != nil {
			d.staticLen += f * (desc.static.len[n] + xbits)
		}
	}
	if overflow == 0 {
		return
	}
	for overflow > 0 {
		bits := desc.maxLength - 1
		for d.blCount[bits] == 0 {
			bits--
		}
		d.blCount[bits]--
		d.blCount[bits+1] += 2
		d.blCount[desc.maxLength]--
		overflow -= 2
	}
	for bits := desc.maxLength; bits != 0; bits-- {
		for n := d.blCount[bits]; n != 0; {
			h--
			m := d.heap[h]
			if m > tree.maxCode {
				continue
			}
			if tree.len[m] != bits {
				d.optLen += (bits - tree.len[m]) * tree.freq[m]
				tree.len[m] = bits
			}
			n--
		}
	}
}

// genCodes is gen_codes: canonical codes, bit-reversed for sending.
func genCodes(tree *huffTree, maxCode int, blCount *[maxBits + 1]int) {
	var next [maxBits + 1]int
	code := 0
	for bits := 1; bits <= maxBits; bits++ {
		code = (code + blCount[bits-1]) << 1
		next[bits] = code
	}
	for n := 0; n <= maxCode; n++ {
		if l := tree.len[n]; l != 0 {
			tree.code[n] = bitReverse(next[l], l)
			next[l]++
		}
	}
}

func bitReverse(code, length int) int {
	r := 0
	for range length {
		r = r<<1 | code&1
		code >>= 1
	}
	return r
}

// runLengths walks a tree's code lengths the way scan_tree and send_tree
// do, calling emit for each run: a single length repeated count times
// (count < minimum) or a repeat code.
func runLengths(tree *huffTree, emit func(curlen, prevlen, count int, repeat bool)) {
	lenAt := func(n int) int {
		if n > tree.maxCode {
			return 0xffff // zlib's guard
		}
		return tree.len[n]
	}
	prevlen, count := -1, 0
	nextlen := lenAt(0)
	maxCount, minCount := 7, 4
	if nextlen == 0 {
		maxCount, minCount = 138, 3
	}
	for n := 0; n <= tree.maxCode; n++ {
		curlen := nextlen
		nextlen = lenAt(n + 1)
		count++
		if count < maxCount && curlen == nextlen {
			continue
		}
		emit(curlen, prevlen, count, count >= minCount)
		count, prevlen = 0, curlen
		switch {
		case nextlen == 0:
			maxCount, minCount = 138, 3
		case curlen == nextlen:
			maxCount, minCount = 6, 3
		default:
			maxCount, minCount = 7, 4
		}
	}
}

// scanTree is scan_tree: count the bit-length codes a tree will need.
func (d *deflater) scanTree(tree *huffTree) {
	bl := d.bltree.freq
	runLengths(tree, func(curlen, prevlen, count int, repeat bool) {
		switch {
		case !repeat:
			bl[curlen] += count
		case curlen != 0:
			if curlen != prevlen {
				bl[curlen]++
			}
			bl[rep3To6]++
		case count <= 10:
			bl[repz3To10]++
		default:
			bl[repz11To38]++
		}
	})
}

// sendTree is send_tree: send a tree's code lengths with the bit-length codes.
func (d *deflater) sendTree(tree *huffTree) {
	runLengths(tree, func(curlen, prevlen, count int, repeat bool) {
		switch {
		case !repeat:
			for range count {
				d.sendCode(curlen, &d.bltree)
			}
		case curlen != 0:
			if curlen != prevlen {
				d.sendCode(curlen, &d.bltree)
				count--
			}
			d.sendCode(rep3To6, &d.bltree)
			d.w.send(count-3, 2)
		case count <= 10:
			d.sendCode(repz3To10, &d.bltree)
			d.w.send(count-3, 3)
		default:
			d.sendCode(repz11To38, &d.bltree)
			d.w.send(count-11, 7)
		}
	})
}

// buildBLTree is build_bl_tree: it returns the index in blOrder of the
// last bit-length code to send.
func (d *deflater) buildBLTree() int {
	d.scanTree(&d.ltree)
	d.scanTree(&d.dtree)
	d.buildTree(&d.bltree, &blDesc)
	maxBLIndex := blCodes - 1
	for ; maxBLIndex >= 3; maxBLIndex-- {
		if d.bltree.len[blOrder[maxBLIndex]] != 0 {
			break
		}
	}
	d.optLen += 3*(maxBLIndex+1) + 5 + 5 + 4
	return maxBLIndex
}

func (d *deflater) sendAllTrees(lcodes, dcodes, blcodes int) {
	d.w.send(lcodes-257, 5)
	d.w.send(dcodes-1, 5)
	d.w.send(blcodes-4, 4)
	for rank := range blcodes {
		d.w.send(d.bltree.len[blOrder[rank]], 3)
	}
	d.sendTree(&d.ltree)
	d.sendTree(&d.dtree)
}
