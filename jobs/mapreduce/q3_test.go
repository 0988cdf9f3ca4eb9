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

// TestQ3LimitOrderAndCount: on hand-made tables with a tie, every limit keeps Q3's ORDER BY
// totalRevenue DESC (ties by sourceIP) and the reported row count is the rows written.
func TestQ3LimitOrderAndCount(t *testing.T) {
	dir := t.TempDir()
	for name, body := range map[string]string{
		"rankings/r.csv": "u1,10,1\nu2,20,1\nu3,30,1\n",
		// sourceIP,destURL,visitDate,adRevenue,userAgent,countryCode,languageCode,searchWord,duration
		"uservisits/v.csv": "10.0.0.2,u2,1980-02-01,5.0,ua,FR,fr,w,1\n" +
			"10.0.0.1,u1,1980-02-01,2.5,ua,FR,fr,w,1\n10.0.0.1,u3,1980-03-01,2.5,ua,FR,fr,w,1\n" +
			"10.0.0.3,u1,1980-02-02,7.25,ua,FR,fr,w,1\n10.0.0.4,u2,1980-02-03,1,ua,FR,fr,w,1\n" +
			"10.0.0.5,u2,1990-01-01,100,ua,FR,fr,w,1\n", // outside the dates
	} {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	order := []string{"10.0.0.3", "10.0.0.1", "10.0.0.2", "10.0.0.4"} // 7.25, 5 (tie), 5, 1
	for _, c := range []struct {
		limit string
		want  []string
	}{
		{"0", order},
		{"1", order[:1]},
		{"2", order[:2]},
		{"3", order[:3]},
		{"10", order},
	} {
		t.Run("limit"+c.limit, func(t *testing.T) {
			out := t.TempDir()
			res := runJob(t, Spec{Job: "bdb-q3", Params: map[string]string{"limit": c.limit},
				Inputs: []string{"file://" + filepath.Join(dir, "rankings"), "file://" + filepath.Join(dir, "uservisits")}, Out: out, Reducers: 2}, Options{})
			cols := readTable(t, out, "bdb-q3")
			var got []string
			for _, ip := range cols["sourceIP"] {
				got = append(got, ip.(string))
			}
			if strings.Join(got, " ") != strings.Join(c.want, " ") {
				t.Errorf("rows %v, want %v", got, c.want)
			}
			tsv, _ := os.ReadFile(filepath.Join(out, "bdb-q3.tsv"))
			if res.Rows != int64(len(c.want)) || res.Table.Rows() != len(c.want) || strings.Count(string(tsv), "\n") != len(c.want)+1 {
				t.Errorf("reported %d rows, table %d, TSV %d lines; want %d rows", res.Rows, res.Table.Rows(), strings.Count(string(tsv), "\n"), len(c.want))
			}
		})
	}
}
