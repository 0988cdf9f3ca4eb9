//go:build !amd64 || purego

package inflate

// adler32Sum returns the Adler-32 checksum (RFC 1950 8.2) of p, as hash/adler32.Checksum.
func adler32Sum(p []byte) uint32 { return adler32Generic(p) }
