package mapreduce

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"sync"

	"github.com/hsfan/hsfan/jobs/mapreduce/mrwork"
)

// PlainScanQ2 is the floor BDB Q2 is measured against: SUM(adRevenue) GROUP BY
// SUBSTR(sourceIP, 1, x) over local files by a plain Go program, no framework: 2 goroutines
// (files round-robin), bufio.Scanner lines, byte-slice field cuts, the same exact decimal
// parse (mrwork.ParseDecimal), a map[string]*int64 per goroutine (no allocation for a key seen
// before), merged at the end. It returns the sums (1e-8 units) and the bytes read.
func PlainScanQ2(paths []string, x int) (map[string]int64, int64, error) {
	const workers = 2
	maps := make([]map[string]*int64, workers)
	sizes := make([]int64, workers)
	errs := make([]error, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			m := map[string]*int64{}
			maps[w] = m
			for i := w; i < len(paths); i += workers {
				n, err := scanQ2File(paths[i], x, m)
				sizes[w] += n
				if err != nil {
					errs[w] = err
					return
				}
			}
		}()
	}
	wg.Wait()
	out := map[string]int64{}
	var total int64
	for w := range workers {
		if errs[w] != nil {
			return nil, 0, errs[w]
		}
		total += sizes[w]
		for k, v := range maps[w] {
			out[k] += *v
		}
	}
	return out, total, nil
}

func scanQ2File(path string, x int, m map[string]*int64) (int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<26)
	var n int64
	for sc.Scan() {
		line := sc.Bytes()
		n += int64(len(line)) + 1
		line = bytes.TrimSuffix(line, []byte{'\r'})
		if len(line) == 0 {
			continue
		}
		i := bytes.IndexByte(line, ',')
		if i < 0 {
			return n, fmt.Errorf("%s: a line without a comma", path)
		}
		rest := line[i+1:]
		for range 2 {
			j := bytes.IndexByte(rest, ',')
			if j < 0 {
				return n, fmt.Errorf("%s: fewer than 4 fields", path)
			}
			rest = rest[j+1:]
		}
		if j := bytes.IndexByte(rest, ','); j >= 0 {
			rest = rest[:j]
		}
		v, err := mrwork.ParseDecimal(rest)
		if err != nil {
			return n, fmt.Errorf("%s: %w", path, err)
		}
		key := line[:min(i, x)]
		if p, ok := m[string(key)]; ok {
			*p += v
		} else {
			m[string(key)] = &v
		}
	}
	return n, sc.Err()
}
