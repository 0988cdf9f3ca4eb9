package mrwork

import "slices"

// sortItem is one table entry in the sort before a spill: its reduce partition, its key's
// first 8 bytes as a big-endian integer (prefix8) and its index in the table.
type sortItem struct {
	pre  uint64
	part uint32
	idx  uint32
}

// radixSort orders items stably by (part, pre), then each run of items with equal part and pre
// by tie (the comparison of the full keys, given the items' indexes; a run already in tie's
// order is left as it is), so that the result is that of slices.SortStableFunc with the
// comparison (part, pre, tie). It makes least-significant-digit passes of 8 bits over pre
// (a digit equal in every item is skipped) and one counting pass over part (parts > 1), into
// tmp (len(tmp) >= len(items)) and back; it returns the sorted slice, items or tmp.
func radixSort(items, tmp []sortItem, parts int, tie func(a, b uint32) int) []sortItem {
	n := len(items)
	if n < 2 {
		return items
	}
	tmp = tmp[:n]
	var counts [8][256]int
	for i := range items {
		p := items[i].pre
		for d := range 8 {
			counts[d][byte(p>>(8*d))]++
		}
	}
	src, dst := items, tmp
	for d := range 8 {
		c := &counts[d]
		if c[byte(src[0].pre>>(8*d))] == n {
			continue // every item has this digit
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
	cmpTie := func(a, b sortItem) int { return tie(a.idx, b.idx) }
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
