package cf

import (
	"fmt"
	"math"
	"strings"
	"testing"
)

// TestDecodeTimesCftime: expected dates are cftime.num2date's (cftime 1.6, Debian
// python3-cftime), printed by testdata/cftime_cases.py and pasted here.
func TestDecodeTimesCftime(t *testing.T) {
	for _, tc := range []struct {
		units, calendar string
		vals            []float64
		want            []string
	}{
		{"days since 2000-01-01", "noleap", []float64{59, 365, 424}, []string{"2000-03-01T00:00:00", "2001-01-01T00:00:00", "2001-03-01T00:00:00"}},
		{"days since 2000-01-01", "365_day", []float64{-1, 730.5}, []string{"1999-12-31T00:00:00", "2002-01-01T12:00:00"}},
		{"days since 2000-01-01", "all_leap", []float64{59, 365, 366, 731}, []string{"2000-02-29T00:00:00", "2000-12-31T00:00:00", "2001-01-01T00:00:00", "2001-12-31T00:00:00"}},
		{"days since 2000-01-01", "366_day", []float64{-1}, []string{"1999-12-31T00:00:00"}},
		{"days since 2000-01-01", "360_day", []float64{59, 360, 424, -1, 0.25}, []string{"2000-02-30T00:00:00", "2001-01-01T00:00:00", "2001-03-05T00:00:00", "1999-12-30T00:00:00", "2000-01-01T06:00:00"}},
		{"days since 2000-01-01", "julian", []float64{0, 59, 365, 36600}, []string{"2000-01-01T00:00:00", "2000-02-29T00:00:00", "2000-12-31T00:00:00", "2100-03-16T00:00:00"}},
		{"days since 2000-01-01", "proleptic_gregorian", []float64{59, 365, -730000}, []string{"2000-02-29T00:00:00", "2000-12-31T00:00:00", "0001-04-30T00:00:00"}},
		{"days since 2000-01-01", "standard", []float64{59, 365, 424}, []string{"2000-02-29T00:00:00", "2000-12-31T00:00:00", "2001-02-28T00:00:00"}},
		{"days since 1800-1-1 00:00:00", "standard", []float64{0, 76700, 80353.5}, []string{"1800-01-01T00:00:00", "2009-12-31T00:00:00", "2020-01-01T12:00:00"}},
		{"days since 1800-1-1 00:00:00", "gregorian", []float64{80353.75}, []string{"2020-01-01T18:00:00"}},
		{"hours since 1900-01-01T00:00:00Z", "standard", []float64{0, 1051896, 1060655.5}, []string{"1900-01-01T00:00:00", "2020-01-01T00:00:00", "2020-12-30T23:30:00"}},
		{"hours since 1900-01-01 00:00:00.0", "standard", []float64{1051896}, []string{"2020-01-01T00:00:00"}},
		{"seconds since 1981-01-01 00:00:00 UTC", "standard", []float64{1293872400, 1293958800.25}, []string{"2022-01-01T09:00:00", "2022-01-02T09:00:00.250000"}},
		{"hours since 2000-01-01T00:00:00+05:30", "standard", []float64{0, 24}, []string{"1999-12-31T18:30:00", "2000-01-01T18:30:00"}},
		{"minutes since 2000-1-1", "noleap", []float64{525600, 87840}, []string{"2001-01-01T00:00:00", "2000-03-03T00:00:00"}},
		{"days since 1582-10-04", "standard", []float64{0, 1, 2}, []string{"1582-10-04T00:00:00", "1582-10-15T00:00:00", "1582-10-16T00:00:00"}},
		{"days since 1582-10-15", "standard", []float64{-1, 0}, []string{"1582-10-04T00:00:00", "1582-10-15T00:00:00"}},
		{"days since 1500-01-01", "standard", []float64{0, 36524, 100000}, []string{"1500-01-01T00:00:00", "1600-01-10T00:00:00", "1773-10-25T00:00:00"}},
		{"days since 0001-01-01", "standard", []float64{738000}, []string{"2021-07-28T00:00:00"}},
		{"days since 0001-01-01", "proleptic_gregorian", []float64{738000}, []string{"2021-07-30T00:00:00"}},
		{"days since 1700-01-01", "standard", []float64{118000, 118001}, []string{"2023-01-28T00:00:00", "2023-01-29T00:00:00"}},
		{"milliseconds since 1970-01-01", "standard", []float64{1000000000001.5}, []string{"2001-09-09T01:46:40.001500"}},
		{"days since 1850-01-01", "360_day", []float64{61200.5, 61559}, []string{"2020-01-01T12:00:00", "2020-12-30T00:00:00"}},
		{"days since 1850-01-01", "julian", []float64{-10, 100000}, []string{"1849-12-22T00:00:00", "2123-10-15T00:00:00"}},
		// xarray.decode_cf (pandas) reads a one-digit zone offset, as UDUNITS-2 does; cftime
		// ignores it (it gives 2000-01-01T00:00:00). /tmp snippet: xr.decode_cf(xr.Dataset(coords=
		// {"time": ("time", [0., 1.], {"units": U, "calendar": "standard"})})).time.values
		{"days since 2000-01-01 00:00:00 -6:00", "standard", []float64{0, 1}, []string{"2000-01-01T06:00:00", "2000-01-02T06:00:00"}},
	} {
		c, err := ParseCalendar(tc.calendar)
		if err != nil {
			t.Fatal(err)
		}
		got, err := DecodeTimes(tc.vals, tc.units, c)
		if err != nil {
			t.Errorf("%s (%s): %v", tc.units, tc.calendar, err)
			continue
		}
		for i := range got {
			if s := got[i].String(); s != tc.want[i] {
				t.Errorf("%s (%s) %v: %s, want %s", tc.units, tc.calendar, tc.vals[i], s, tc.want[i])
			}
		}
	}
}

// TestCalendarRoundTrip: every day number of each calendar over 1500..2600 maps to a valid date
// and back (dayNumber and date are inverses), and consecutive days differ by one.
func TestCalendarRoundTrip(t *testing.T) {
	for _, c := range []Calendar{Standard, ProlepticGregorian, Julian, NoLeap, AllLeap, Day360} {
		start, err := c.dayNumber(1500, 1, 1)
		if err != nil {
			t.Fatal(err)
		}
		for n := start; n < start+400000; n++ {
			y, m, d := c.date(n)
			back, err := c.dayNumber(y, m, d)
			if err != nil || back != n {
				t.Fatalf("%s: day %d -> %04d-%02d-%02d -> %d, %v", c, n, y, m, d, back, err)
			}
		}
	}
}

func TestTimeUnitsErrors(t *testing.T) {
	for _, tc := range []struct{ units, calendar, want string }{
		{"days since 2001-02-29", "standard", "not a date"},
		{"days since 2000-02-30", "noleap", "not a date"},
		{"days since 1582-10-10", "standard", "skips"},
		{"months since 2000-01-01", "standard", "time unit"},
		{"days since yesterday", "standard", "ISO 8601"},
		{"days since 2000-01-01", "lunar", "calendar"},
	} {
		_, _, err := TimeLabels([]float64{1}, tc.units, tc.calendar)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s (%s): %v, want an error containing %q", tc.units, tc.calendar, err, tc.want)
		}
	}
	if _, _, err := TimeLabels([]float64{1e300}, "days since 2000-01-01", ""); err == nil {
		t.Error("1e300 days: no error")
	}
	if l, _, err := TimeLabels([]float64{math.NaN(), 1}, "days since 2000-01-01", ""); err != nil || strings.Join(l, ",") != "NaT,2000-01-02" {
		t.Errorf("NaN time: %v %v, want NaT,2000-01-02", l, err)
	}
	if l, ok, err := TimeLabels([]float64{1}, "kelvin", ""); ok || err != nil || l != nil {
		t.Errorf("kelvin: %v %v %v, want not a time", l, ok, err)
	}
}

// TestTimeLabels: the label forms of the outputs (dates when all share a time of day).
func TestTimeLabels(t *testing.T) {
	for _, tc := range []struct {
		units, calendar string
		vals            []float64
		want            []string
	}{
		{"seconds since 1981-01-01 00:00:00 UTC", "", []float64{1293840000, 1293926400}, []string{"2022-01-01", "2022-01-02"}},
		{"days since 2000-01-01", "noleap", []float64{59, 365, 424}, []string{"2000-03-01", "2001-01-01", "2001-03-01"}},
		{"hours since 2000-01-01", "", []float64{0, 6}, []string{"2000-01-01T00:00:00Z", "2000-01-01T06:00:00Z"}},
	} {
		got, ok, err := TimeLabels(tc.vals, tc.units, tc.calendar)
		if err != nil || !ok || strings.Join(got, ",") != strings.Join(tc.want, ",") {
			t.Errorf("%s: %v %v %v, want %v", tc.units, got, ok, err, tc.want)
		}
	}
}

// TestCheckDate: which days exist in which calendar, as cftime 1.6 answers
// (cftime.datetime(y, m, d, calendar=c) raises ValueError or not).
func TestCheckDate(t *testing.T) {
	cals := []Calendar{Standard, ProlepticGregorian, Julian, NoLeap, AllLeap, Day360}
	for _, tc := range []struct {
		y     int64
		m, d  int
		exist [6]bool // in the order of cals
	}{
		{2022, 2, 30, [6]bool{false, false, false, false, false, true}},
		{2021, 2, 29, [6]bool{false, false, false, false, true, true}},
		{2024, 2, 29, [6]bool{true, true, true, false, true, true}},
		{2022, 4, 31, [6]bool{false, false, false, false, false, false}},
		{1900, 2, 29, [6]bool{false, false, true, false, true, true}},
		{1582, 10, 10, [6]bool{false, true, true, true, true, true}},
		{2022, 1, 31, [6]bool{true, true, true, true, true, false}},
		{2022, 13, 1, [6]bool{}},
		{2022, 1, 0, [6]bool{}},
	} {
		for i, c := range cals {
			err := c.CheckDate(tc.y, tc.m, tc.d)
			if (err == nil) != tc.exist[i] {
				t.Errorf("%d-%02d-%02d in %s: err = %v, want exists=%v", tc.y, tc.m, tc.d, c, err, tc.exist[i])
			}
			if err != nil && !strings.Contains(err.Error(), fmt.Sprintf("%04d-%02d-%02d", tc.y, tc.m, tc.d)) && !strings.Contains(err.Error(), "1582-10-05") {
				t.Errorf("%s: error %q does not name the date", c, err)
			}
		}
	}
}

func TestCheckDateTime(t *testing.T) {
	for _, tc := range []struct {
		dt DateTime
		ok bool
	}{
		{DateTime{Year: 2022, Month: 3, Day: 1, Hour: 23, Minute: 59, Second: 59, Usec: 999999}, true},
		{DateTime{Year: 2022, Month: 3, Day: 1, Hour: 24}, false},
		{DateTime{Year: 2022, Month: 3, Day: 1, Minute: 60}, false},
		{DateTime{Year: 2022, Month: 3, Day: 1, Second: 60}, false},
		{DateTime{Year: 2022, Month: 3, Day: 1, Usec: 1000000}, false},
		{DateTime{Year: 2022, Month: 3, Day: 1, Hour: -1}, false},
		{DateTime{Year: 2022, Month: 2, Day: 30}, false},
	} {
		for _, c := range []Calendar{Standard, Day360} {
			want := tc.ok || (c == Day360 && tc.dt.Day == 30 && tc.dt.Hour == 0)
			if err := c.CheckDateTime(tc.dt); (err == nil) != want {
				t.Errorf("%+v in %s: err = %v, want ok=%v", tc.dt, c, err, want)
			}
		}
	}
}
