package codec

import (
	"bytes"
	"errors"
	"io"
	"sync"

	"github.com/klauspost/compress/zlib"
)

// zlibReaders recycles klauspost zlib decompressors for zlibDecodeKlauspost.
var zlibReaders sync.Pool

// zlibDecodeKlauspost is the decoder zlibDecodeExact used before
// hsds/codec/inflate (klauspost/compress/zlib), kept for the side-by-side
// benchmarks and as a cross-check in tests.
func zlibDecodeKlauspost(dst, src []byte) (int, error) {
	br := bytes.NewReader(src)
	var zr io.ReadCloser
	if v := zlibReaders.Get(); v != nil {
		zr = v.(io.ReadCloser)
		if err := zr.(zlib.Resetter).Reset(br, nil); err != nil {
			return 0, err
		}
	} else {
		r, err := zlib.NewReader(br)
		if err != nil {
			return 0, err
		}
		zr = r
	}
	defer zlibReaders.Put(zr)
	n, err := io.ReadFull(zr, dst)
	if err != nil {
		if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
			return n, nil // short stream: size mismatch reported by caller
		}
		return n, err
	}
	var one [1]byte
	m, err := zr.Read(one[:])
	if m > 0 {
		return n + m, nil // longer than expected
	}
	if !errors.Is(err, io.EOF) {
		if err == nil {
			err = errors.New("zlib stream does not end after the expected size")
		}
		return n, err
	}
	return n, nil
}
