package codec

import (
	"encoding/binary"
	"fmt"
	"runtime"
	"sync"
)

// bloscCodecNames lists the codec names BloscEncode accepts, in c-blosc's
// order.
var bloscCodecNames = []string{"blosclz", "lz4", "lz4hc", "snappy", "zlib", "zstd"}

// codecFormat returns the frame format code of a blosc codec name.
func codecFormat(cname string) (int, bool) {
	switch cname {
	case "blosclz":
		return formatBloscLZ, true
	case "lz4", "lz4hc":
		return formatLZ4, true
	case "snappy":
		return formatSnappy, true
	case "zlib":
		return formatZlib, true
	case "zstd":
		return formatZstd, true
	}
	return 0, false
}

// isHCR reports whether a codec is meant for high compression ratios
// (c-blosc's HCR macro), which doubles its automatic block size.
func isHCR(cname string) bool { return cname == "lz4hc" || cname == "zlib" || cname == "zstd" }

// splitBlock is c-blosc 1.21's split_block in its default
// BLOSC_FORWARD_COMPAT_SPLIT mode: every codec but zstd splits a block into
// typesize streams when typesize <= 16 and blocksize/typesize >= 128.
func splitBlock(cname string, typesize, blocksize int) bool {
	return cname != "zstd" && typesize <= maxSplits && blocksize/typesize >= minBufferSize
}

// computeBlocksize is c-blosc 1.21's compute_blocksize for an automatic
// block size:
//
//   - nbytes < typesize: 1.
//   - nbytes >= 32 KiB (L1): 32 KiB, doubled for lz4hc, zlib and zstd, then
//     scaled by clevel: 0 -> /4, 1 -> /2, 2 -> x1, 3 -> x2, 4-5 -> x4,
//     6-8 -> x8, 9 -> x8 (x16 for lz4hc, zlib, zstd). Smaller buffers start
//     from nbytes.
//   - if clevel > 0 and the block is split: capped at 256 KiB, multiplied by
//     typesize, then kept within [64 KiB, 1 MiB].
//   - capped at nbytes and rounded down to a multiple of typesize.
//
// Example: HSDS gzip (zlib, clevel 5, typesize 1) on 1.6 MB gives 256 KiB.
func computeBlocksize(cname string, clevel, typesize, nbytes int) int {
	if nbytes < typesize {
		return 1
	}
	blocksize := nbytes
	if nbytes >= l1CacheSize {
		blocksize = l1CacheSize
		if isHCR(cname) {
			blocksize *= 2
		}
		switch clevel {
		case 0:
			blocksize /= 4
		case 1:
			blocksize /= 2
		case 2:
		case 3:
			blocksize *= 2
		case 4, 5:
			blocksize *= 4
		case 6, 7, 8:
			blocksize *= 8
		default: // 9
			blocksize *= 8
			if isHCR(cname) {
				blocksize *= 2
			}
		}
	}
	if clevel > 0 && splitBlock(cname, typesize, blocksize) {
		blocksize = min(blocksize, 1<<18) * typesize
		blocksize = min(max(blocksize, 1<<16), 1<<20)
	}
	blocksize = min(blocksize, nbytes)
	if blocksize > typesize {
		blocksize = blocksize / typesize * typesize
	}
	return blocksize
}

// BloscEncode compresses src into a c-blosc 1.x frame that c-blosc 1.21
// (and BloscDecode) decodes: format version 2, codec version 1, the block
// size c-blosc would choose (computeBlocksize), blocks split into typesize
// streams under c-blosc's default rule (never for zstd), a stream that does
// not compress stored raw, and a memcpyed frame when clevel is 0, src is
// shorter than 128 bytes or the frame would not be smaller than
// len(src)+16.
//
// cname is one of blosclz, lz4, lz4hc, snappy, zlib, zstd; clevel is 0-9;
// shuffle sets blosc's byte shuffle (a no-op for typesize 1); typesize is
// 1-255 (larger values are treated as 1, as c-blosc does). Blocks are
// compressed in parallel; the output does not depend on scheduling.
func BloscEncode(src []byte, cname string, clevel int, shuffle bool, typesize int) ([]byte, error) {
	return bloscEncodeTo(nil, src, cname, clevel, shuffle, typesize)
}

// bloscEncodeTo is BloscEncode writing into dst's backing array when it is
// large enough.
func bloscEncodeTo(dst, src []byte, cname string, clevel int, shuffle bool, typesize int) ([]byte, error) {
	format, ok := codecFormat(cname)
	if !ok {
		return nil, fmt.Errorf("blosc encode: unknown codec %q (want one of %v)", cname, bloscCodecNames)
	}
	if clevel < 0 || clevel > 9 {
		return nil, fmt.Errorf("blosc encode: clevel %d out of range 0-9", clevel)
	}
	if typesize <= 0 {
		return nil, fmt.Errorf("blosc encode: typesize %d must be positive", typesize)
	}
	if typesize > BloscMaxTypeSize {
		typesize = 1
	}
	if len(src) > BloscMaxBufferSize {
		return nil, fmt.Errorf("blosc encode: %d bytes exceed the blosc limit of %d", len(src), BloscMaxBufferSize)
	}
	nbytes := len(src)
	blocksize := computeBlocksize(cname, clevel, typesize, nbytes)
	flags := byte(format << 5)
	if shuffle {
		flags |= flagShuffle
	}
	split := splitBlock(cname, typesize, blocksize)
	if !split {
		flags |= flagDontSplit
	}
	header := func(out []byte, flags byte, cbytes int) {
		out[0], out[1], out[2], out[3] = bloscVersionFormat, 1, flags, byte(typesize)
		binary.LittleEndian.PutUint32(out[4:], uint32(nbytes))
		binary.LittleEndian.PutUint32(out[8:], uint32(blocksize))
		binary.LittleEndian.PutUint32(out[12:], uint32(cbytes))
	}
	memcpyed := func() []byte {
		out := sized(dst, nbytes+BloscHeaderSize)
		header(out, flags|flagMemcpyed, len(out))
		copy(out[BloscHeaderSize:], src)
		return out
	}
	if clevel == 0 || nbytes < minBufferSize {
		return memcpyed(), nil
	}
	compress, err := compressorFor(cname, clevel)
	if err != nil {
		return nil, fmt.Errorf("blosc encode: %w", err)
	}
	nblocks := (nbytes + blocksize - 1) / blocksize
	blocks := make([][]byte, nblocks)
	errs := make([]error, nblocks)
	enc := blockEncoder{compress: compress, typesize: typesize, split: split,
		shuffle: shuffle && typesize > 1, blocksize: blocksize}
	workers := min(runtime.GOMAXPROCS(0), nblocks)
	var (
		wg   sync.WaitGroup
		next = make(chan int, nblocks)
	)
	for j := range nblocks {
		next <- j
	}
	close(next)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range next {
				start := j * blocksize
				end := min(start+blocksize, nbytes)
				blocks[j], errs[j] = enc.encode(src[start:end], end-start < blocksize)
			}
		}()
	}
	wg.Wait()
	total := BloscHeaderSize + 4*nblocks
	for j := range blocks {
		if errs[j] != nil {
			return nil, fmt.Errorf("blosc encode block %d: %w", j, errs[j])
		}
		total += len(blocks[j])
	}
	if total > nbytes+BloscHeaderSize {
		return memcpyed(), nil
	}
	out := sized(dst, total)
	header(out, flags, total)
	pos := BloscHeaderSize + 4*nblocks
	for j, b := range blocks {
		binary.LittleEndian.PutUint32(out[BloscHeaderSize+4*j:], uint32(pos))
		pos += copy(out[pos:], b)
	}
	return out, nil
}

// blockEncoder compresses the blocks of one frame.
type blockEncoder struct {
	compress  streamCompressor
	typesize  int
	blocksize int
	split     bool
	shuffle   bool
}

// encode compresses one block: optional byte shuffle, then one stream (or
// typesize streams when split), each an int32 size followed by the
// compressed or raw bytes.
func (e blockEncoder) encode(block []byte, leftover bool) ([]byte, error) {
	data := block
	if e.shuffle {
		data = Shuffle(nil, block, e.typesize)
	}
	nsplits := 1
	if e.split && !leftover {
		nsplits = e.typesize
	}
	neblock := len(block) / nsplits
	out := make([]byte, 0, len(block)+4*nsplits)
	buf := make([]byte, neblock)
	for k := range nsplits {
		part := data[k*neblock : (k+1)*neblock]
		n, err := e.compress(buf, part)
		if err != nil {
			return nil, err
		}
		if n <= 0 || n >= neblock {
			out = binary.LittleEndian.AppendUint32(out, uint32(neblock))
			out = append(out, part...)
			continue
		}
		out = binary.LittleEndian.AppendUint32(out, uint32(n))
		out = append(out, buf[:n]...)
	}
	return out, nil
}
