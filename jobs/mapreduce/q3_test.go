package mapreduce

import (
	"encoding/json"
	"math/big"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// refQ3 is the straightforward single-process BDB Q3: rankings in a map, the visits in the date
// range joined to them, sums per sourceIP in big.Rat, the pageRank average as sum / count.
func refQ3(t *testing.T, rankings, visits []string, from, to string) map[string][2]string {
	t.Helper()
	rank := map[string]int64{}
	for _, p := range rankings {
		data, _ := os.ReadFile(p)
		for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
			f := strings.Split(line, ",")
			r, _ := strconv.ParseInt(f[1], 10, 64)
			rank[f[0]] = r
		}
	}
	type agg struct {
		rev      *big.Rat
		ranks, n int64
	}
	aggs := map[string]*agg{}
	for _, p := range visits {
		data, _ := os.ReadFile(p)
		for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
			f := strings.Split(line, ",")
			r, ok := rank[f[1]]
			if !ok || f[2] < from || f[2] > to {
				continue
			}
			a := aggs[f[0]]
			if a == nil {
				a = &agg{rev: new(big.Rat)}
				aggs[f[0]] = a
			}
			v, _ := new(big.Rat).SetString(f[3])
			a.rev.Add(a.rev, v)
			a.ranks += r
			a.n++
		}
	}
	out := map[string][2]string{}
	for ip, a := range aggs {
		s := a.rev.FloatString(8)
		for strings.HasSuffix(s, "0") && len(s)-strings.IndexByte(s, '.') > 3 {
			s = strings.TrimSuffix(s, "0")
		}
		out[ip] = [2]string{s, strconv.FormatFloat(float64(a.ranks)/float64(a.n), 'g', -1, 64)}
	}
	return out
}

// TestQ3MatchesReference: the two-stage join and grouping gives every sourceIP's exact revenue
// and average pageRank; limit 1 keeps the top one (AMPLab's ORDER BY totalRevenue DESC LIMIT 1).
func TestQ3MatchesReference(t *testing.T) {
	dir := t.TempDir()
	rk := writeParts(t, dir, "rankings", GenOptions{Rows: 100_000, Parts: 2, Seed: 4})
	uv := writeParts(t, dir, "uservisits", GenOptions{Rows: 20_000, Parts: 3, Seed: 4})
	from, to := "1975-01-01", "1990-06-30"
	want := refQ3(t, rk, uv, from, to)
	if len(want) < 100 {
		t.Fatalf("only %d joined sourceIPs: the test data joins too little", len(want))
	}
	inputs := []string{"file://" + filepath.Join(dir, "rankings"), "file://" + filepath.Join(dir, "uservisits") + "/part-*.csv"}
	out := t.TempDir()
	res := runJob(t, Spec{Job: "bdb-q3", Params: map[string]string{"from": from, "to": to, "limit": "0"}, Inputs: inputs, Out: out,
		SplitSize: 300_000, Reducers: 3, SpillBytes: 256 << 10}, Options{})
	cols := readTable(t, out, "bdb-q3")
	if len(cols["sourceIP"]) != len(want) {
		t.Fatalf("%d sourceIPs, want %d", len(cols["sourceIP"]), len(want))
	}
	best, bestIP := new(big.Rat), ""
	for i, ip := range cols["sourceIP"] {
		w := want[ip.(string)]
		avg := cols["avgPageRank"][i].(json.Number).String()
		if cols["totalRevenue"][i].(string) != w[0] || avg != w[1] {
			t.Fatalf("%s: revenue %s avg %s, want %s %s", ip, cols["totalRevenue"][i], avg, w[0], w[1])
		}
		v, _ := new(big.Rat).SetString(w[0])
		if v.Cmp(best) > 0 {
			best, bestIP = v, ip.(string)
		}
	}
	if res.Map.Tasks <= len(MakeSplits(nil, 1)) || res.Reduce.Tasks != 6 {
		t.Errorf("map tasks %d, reduce tasks %d: want two stages of 3 reducers", res.Map.Tasks, res.Reduce.Tasks)
	}
	checkNoTemp(t, out)

	out1 := t.TempDir()
	runJob(t, Spec{Job: "bdb-q3", Params: map[string]string{"from": from, "to": to}, Inputs: inputs, Out: out1}, Options{})
	top := readTable(t, out1, "bdb-q3")
	if len(top["sourceIP"]) != 1 || top["sourceIP"][0].(string) != bestIP {
		t.Errorf("top row %v, want %s with %s", top["sourceIP"], bestIP, best.FloatString(8))
	}
}
