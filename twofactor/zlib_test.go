package twofactor

import (
	"bytes"
	"compress/zlib"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"math/bits"
	"testing"
)

// lcg is Knuth's MMIX generator, easy to repeat in Python.
type lcg uint64

func (x *lcg) next() uint64 {
	*x = *x*6364136223846793005 + 1442695040888963407
	return uint64(*x)
}

// The lengths and SHA-256 sums are of CPython 3.11's zlib.compress (zlib
// 1.2.13) of the same inputs, made with the same generator in Python. The
// inputs slide the window, split blocks, store blocks and cap Huffman code
// lengths; the golden tokens in twofactor_test.go cover short payloads.
func TestZlibCompressMatchesCPython(t *testing.T) {
	words := []string{"/account/login/", "/account/two-factor/", "?next=", "/manage/projects/", "200 ", "303 ", "pypi.org", "\n"}
	text := func(n int, seed lcg) []byte {
		var b []byte
		for len(b) < n {
			b = append(b, words[(seed.next()>>33)%uint64(len(words))]...)
		}
		return b[:n]
	}
	random := func(n int, seed lcg) []byte {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(seed.next() >> 56)
		}
		return b
	}
	// Byte k has probability 2^-(k+1): few, very uneven literal counts.
	skewed := func(n int, seed lcg) []byte {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(bits.LeadingZeros64(seed.next()))
		}
		return b
	}
	for _, tc := range []struct {
		name    string
		data    []byte
		wantLen int
		wantSum string
	}{
		{"text", text(200_000, 1), 16528, "db1c55951791e99e9488a21849181771f3dd2e24b038727795edf2f666ce5959"},
		{"random", random(70_000, 2), 70031, "44d1604e267edf3847fe8d23ad5f6de2c73897f9424fffe6a5705b9c26fd2354"},
		// zlib caps one of this input's bit-length codes at 7 bits.
		{"short random", random(2000, 13), 2011, "64ac5cfc44d131e13b2591ec65ab8d2214895b3ee9cdc2d9630e79df215b0386"},
		{"skewed", skewed(100_000, 3), 32263, "e9dc807bff6b57d6bc988032cfb836f56dbf3196b1bc5a962c48914cd5daaca3"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := zlibCompress(tc.data)
			sum := sha256.Sum256(got)
			if len(got) != tc.wantLen || hex.EncodeToString(sum[:]) != tc.wantSum {
				t.Errorf("zlibCompress: %d bytes, sha256 %x; CPython makes %d bytes, sha256 %s", len(got), sum, tc.wantLen, tc.wantSum)
			}
			r, err := zlib.NewReader(bytes.NewReader(got))
			if err != nil {
				t.Fatal(err)
			}
			if back, err := io.ReadAll(r); err != nil || !bytes.Equal(back, tc.data) {
				t.Errorf("inflating zlibCompress's output: %d bytes, %v; want the %d bytes given", len(back), err, len(tc.data))
			}
		})
	}
}
