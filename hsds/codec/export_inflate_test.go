package codec

// Exported for the external benchmarks (codec_test imports internal/synth,
// which imports this package).
var (
	ZlibDecodeExact     = zlibDecodeExact
	ZlibDecodeKlauspost = zlibDecodeKlauspost
)

// SetZlibStream swaps the decoder of blosc's zlib streams and returns a function restoring it.
func SetZlibStream(f func(dst, src []byte) (int, error)) (restore func()) {
	old := zlibStream
	zlibStream = f
	return func() { zlibStream = old }
}
