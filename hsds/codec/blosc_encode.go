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
// (and BloscDecode) decodes, with the header c-blosc 1.21 writes for the
// same parameters: format version 2, codec version 1, the shuffle flag
// when shuffle is set (whatever the typesize), the block size c-blosc would
// choose (computeBlocksize), blocks split into typesize streams under
// c-blosc's default rule (never for zstd; the dont-split flag otherwise),
// streams laid out as its serial blosc_c does (placeStreams), and a
// memcpyed frame when clevel is 0, src is shorter than 128 bytes or the
// streams do not fit in len(src)+16 bytes. The compressed streams come from
// Go codecs, so they differ from c-blosc's bytes (and sizes).
//
// cname is one of blosclz, lz4, lz4hc, snappy, zlib, zstd; clevel is 0-9;
// shuffle sets blosc's byte shuffle (a no-op for typesize 1); typesize is
// 1-255 (larger values are stored as 1 and shuffle nothing, as c-blosc
// does). Blocks are compressed in parallel; the output does not depend on
// scheduling. Multi-threaded c-blosc may memcpy snappy frames that this
// (serial) layout compresses: it offers snappy less room per block.
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
	blocks := make([][]encStream, nblocks)
	errs := make([]error, nblocks)
	enc := blockEncoder{compress: compress, typesize: typesize, split: split,
		shuffle: shuffle && typesize > 1, snappy: cname == "snappy"}
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
	for j := range blocks {
		if errs[j] != nil {
			return nil, fmt.Errorf("blosc encode block %d: %w", j, errs[j])
		}
	}
	total, ok := placeStreams(blocks, nbytes+BloscHeaderSize, enc.snappy)
	if !ok {
		return memcpyed(), nil
	}
	out := sized(dst, total)
	header(out, flags, total)
	pos := BloscHeaderSize + 4*nblocks
	for j, streams := range blocks {
		binary.LittleEndian.PutUint32(out[BloscHeaderSize+4*j:], uint32(pos))
		for _, st := range streams {
			b := st.raw
			if st.useComp {
				b = st.comp
			}
			binary.LittleEndian.PutUint32(out[pos:], uint32(len(b)))
			pos += 4
			pos += copy(out[pos:], b)
		}
	}
	return out, nil
}

// encStream is one compressed stream of a block: comp holds the codec's
// output (nil when it did not compress), raw the stream's (shuffled)
// input; placeStreams decides which one the frame stores.
type encStream struct {
	comp, raw []byte
	useComp   bool
}

// snappyMaxCompressedLength is snappy's snappy_max_compressed_length, the
// output room c-blosc offers the snappy codec.
func snappyMaxCompressedLength(n int) int { return 32 + n + n/6 }

// placeStreams lays the streams out as c-blosc 1.21's serial blosc_c does
// with a destination of maxbytes (nbytes+16, as numcodecs and HSDS
// allocate): each stream gets maxout = its size (snappy:
// snappy_max_compressed_length) capped at the room left; a codec output
// larger than maxout, or equal to the stream size, is replaced by the raw
// stream; snappy, which fails with less room than its maximum, stores the
// raw stream then (and keeps an output larger than the stream otherwise).
// It marks the chosen form of every stream and returns the frame size, or
// ok = false when the frame does not fit (c-blosc then memcpys the
// buffer).
func placeStreams(blocks [][]encStream, maxbytes int, snappy bool) (total int, ok bool) {
	nt := BloscHeaderSize + 4*len(blocks)
	for _, streams := range blocks {
		for k := range streams {
			st := &streams[k]
			neblock := len(st.raw)
			nt += 4
			need := neblock
			if snappy {
				need = snappyMaxCompressedLength(neblock)
			}
			maxout := need
			if nt+maxout > maxbytes {
				maxout = maxbytes - nt
				if maxout <= 0 {
					return 0, false
				}
			}
			st.useComp = st.comp != nil && len(st.comp) <= maxout && len(st.comp) != neblock &&
				!(snappy && maxout < need)
			if st.useComp {
				nt += len(st.comp)
				continue
			}
			if nt+neblock > maxbytes {
				return 0, false
			}
			nt += neblock
		}
	}
	return nt, true
}

// blockEncoder compresses the blocks of one frame.
type blockEncoder struct {
	compress streamCompressor
	typesize int
	split    bool
	shuffle  bool
	snappy   bool
}

// encode compresses one block: optional byte shuffle, then one stream (or
// typesize streams when split and not the leftover block). Snappy keeps
// its output whatever its size, as c-blosc does; the other codecs report
// an output that is not smaller than the stream as incompressible.
func (e blockEncoder) encode(block []byte, leftover bool) ([]encStream, error) {
	data := block
	if e.shuffle {
		data = Shuffle(nil, block, e.typesize)
	}
	nsplits := 1
	if e.split && !leftover {
		nsplits = e.typesize
	}
	neblock := len(block) / nsplits
	streams := make([]encStream, nsplits)
	var buf []byte
	if !e.snappy {
		buf = make([]byte, len(block))
	}
	for k := range nsplits {
		part := data[k*neblock : (k+1)*neblock]
		streams[k].raw = part
		if e.snappy {
			streams[k].comp = snappyEncode(part)
			continue
		}
		dst := buf[k*neblock : (k+1)*neblock : (k+1)*neblock]
		n, err := e.compress(dst, part)
		if err != nil {
			return nil, err
		}
		if n > 0 && n < neblock {
			streams[k].comp = dst[:n]
		}
	}
	return streams, nil
}
