package ingest

// Arena holds copies of bytes that parsed records point into (escaped lines,
// built JSON) for as long as their batch lives: a Parser's Parse writes into
// the one it is given, and the zero value is ready to use. Growing it leaves
// earlier strings pointing at the old array, which the garbage collector keeps.
type Arena struct {
	buf     []byte
	scratch []byte // a line's extra JSON while it is built, before it is copied into buf
}

// bytes copies b into the arena and returns a string aliasing the copy.
func (a *Arena) bytes(b []byte) string {
	start := len(a.buf)
	a.buf = append(a.buf, b...)
	return bstr(a.buf[start:len(a.buf):len(a.buf)])
}

func (a *Arena) reset() { a.buf = a.buf[:0] }
