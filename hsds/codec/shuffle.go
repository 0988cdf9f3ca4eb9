package codec

// Shuffle applies the HDF5 byte shuffle filter (numcodecs Shuffle) to src:
// with n = len(src)/itemsize elements, byte j of element i moves to
// position j*n + i, so all first bytes come first, then all second bytes,
// and so on. The len(src)%itemsize trailing bytes are copied unchanged to
// the end, as HDF5's shuffle filter does. An itemsize below 2 copies.
//
// The result is written to dst's backing array when cap(dst) >= len(src),
// otherwise to a new slice, and returned with length len(src). dst and src
// must not overlap.
func Shuffle(dst, src []byte, itemsize int) []byte {
	dst = sized(dst, len(src))
	if itemsize < 2 || len(src) < 2*itemsize {
		copy(dst, src)
		return dst
	}
	n := len(src) / itemsize
	switch itemsize {
	case 2:
		d0, d1 := dst[:n], dst[n:2*n]
		s := src[:2*n]
		for i := range d0 {
			d0[i] = s[2*i]
			d1[i] = s[2*i+1]
		}
	case 4:
		d0, d1, d2, d3 := dst[:n], dst[n:2*n], dst[2*n:3*n], dst[3*n:4*n]
		s := src[:4*n]
		for i := range d0 {
			e := s[4*i : 4*i+4 : 4*i+4]
			d0[i], d1[i], d2[i], d3[i] = e[0], e[1], e[2], e[3]
		}
	case 8:
		d0, d1, d2, d3 := dst[:n], dst[n:2*n], dst[2*n:3*n], dst[3*n:4*n]
		d4, d5, d6, d7 := dst[4*n:5*n], dst[5*n:6*n], dst[6*n:7*n], dst[7*n:8*n]
		s := src[:8*n]
		for i := range d0 {
			e := s[8*i : 8*i+8 : 8*i+8]
			d0[i], d1[i], d2[i], d3[i] = e[0], e[1], e[2], e[3]
			d4[i], d5[i], d6[i], d7[i] = e[4], e[5], e[6], e[7]
		}
	default:
		for j := 0; j < itemsize; j++ {
			d := dst[j*n : (j+1)*n]
			for i := range d {
				d[i] = src[i*itemsize+j]
			}
		}
	}
	copy(dst[n*itemsize:], src[n*itemsize:])
	return dst
}

// Unshuffle reverses Shuffle: byte j*n + i of src becomes byte j of element
// i, and the len(src)%itemsize trailing bytes are copied unchanged. Result
// and aliasing rules are those of Shuffle.
func Unshuffle(dst, src []byte, itemsize int) []byte {
	dst = sized(dst, len(src))
	if itemsize < 2 || len(src) < 2*itemsize {
		copy(dst, src)
		return dst
	}
	n := len(src) / itemsize
	switch itemsize {
	case 2, 4, 8:
		var m int
		switch itemsize {
		case 2:
			m = unshuffle2(dst, src, n)
		case 4:
			m = unshuffle4(dst, src, n)
		default:
			m = unshuffle8(dst, src, n)
		}
		for j := 0; j < itemsize; j++ { // the last n%8 elements
			s := src[j*n : (j+1)*n]
			for i := m; i < n; i++ {
				dst[i*itemsize+j] = s[i]
			}
		}
	default:
		for j := 0; j < itemsize; j++ {
			s := src[j*n : (j+1)*n]
			for i := range s {
				dst[i*itemsize+j] = s[i]
			}
		}
	}
	copy(dst[n*itemsize:], src[n*itemsize:])
	return dst
}

// sized returns dst resized to n bytes, reusing its backing array when large
// enough.
func sized(dst []byte, n int) []byte {
	if cap(dst) >= n {
		return dst[:n]
	}
	return make([]byte, n)
}
