package mrwork

import "slices"

// radixSort orders the table entries ents stably by (part, pre), then each run of entries with
// equal part and pre by tie (the comparison of the full keys; a run already in tie's order is
// left as it is), so that the result is that of slices.SortStableFunc with the comparison
// (part, pre, tie). It makes least-significant-digit passes of 8 bits over pre (a digit equal
// in every entry is skipped) and one counting pass over part (parts > 1), moving the entries
// themselves into tmp (len(tmp) >= len(ents)) and back, so that the spill reads them in order
// afterwards; it returns the sorted slice, ents or tmp.
func radixSort(ents, tmp []entry, parts int, tie func(a, b *entry) int) []entry {
	n := len(ents)
	if n < 2 {
		return ents
	}
	tmp = tmp[:n]
	var counts [8][256]int
	for i := range ents {
		p := ents[i].pre
		for d := range 8 {
			counts[d][byte(p>>(8*d))]++
		}
	}
	src, dst := ents, tmp
	for d := range 8 {
		c := &counts[d]
		if c[byte(src[0].pre>>(8*d))] == n {
			continue // every entry has this digit
		}
		var offs [256]int
		s := 0
		for b := range 256 {
			offs[b] = s
			s += c[b]
		}
		shift := 8 * uint(d)
		for i := range src {
			b := byte(src[i].pre >> shift)
			dst[offs[b]] = src[i]
			offs[b]++
		}
		src, dst = dst, src
	}
	if parts > 1 {
		offs := make([]int, parts+1)
		for i := range src {
			offs[src[i].part+1]++
		}
		if offs[src[0].part+1] != n {
			for p := 1; p <= parts; p++ {
				offs[p] += offs[p-1]
			}
			for i := range src {
				p := src[i].part
				dst[offs[p]] = src[i]
				offs[p]++
			}
			src, dst = dst, src
		}
	}
	// Runs of equal (part, pre): keys longer than 8 bytes, or of different lengths, or equal.
	cmpTie := func(a, b entry) int { return tie(&a, &b) }
	for i := 0; i < n; {
		j := i + 1
		for j < n && src[j].pre == src[i].pre && src[j].part == src[i].part {
			j++
		}
		if run := src[i:j]; len(run) > 1 && !slices.IsSortedFunc(run, cmpTie) {
			slices.SortStableFunc(run, cmpTie)
		}
		i = j
	}
	return src
}
