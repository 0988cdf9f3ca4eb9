package spec

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/hsfan/hsfan/cf"
)

func TestWindowResolve(t *testing.T) {
	at := func(s, zone string) time.Time {
		loc, err := time.LoadLocation(zone)
		if err != nil {
			t.Fatal(err)
		}
		v, err := time.ParseInLocation("2006-01-02T15:04", s, loc)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	for _, tc := range []struct {
		rng, zone, now, want string
	}{
		{"2022-01-01..2022-12-31", "UTC", "2025-01-01T00:00", "[2022-01-01T00:00:00, 2023-01-01T00:00:00)"},
		{"2022-02-01..2022-02-30", "UTC", "2025-01-01T00:00", "[2022-02-01T00:00:00, 2022-03-01T00:00:00)"},
		{"2024-02-29..2024-02-29", "UTC", "2025-01-01T00:00", "[2024-02-29T00:00:00, 2024-03-01T00:00:00)"},
		{"2022-06-01..2022-06-01", "Europe/Paris", "2025-01-01T00:00", "[2022-05-31T22:00:00, 2022-06-01T22:00:00)"},
		// a month end clamps to the shorter month, leap years included
		{"last 3 months", "UTC", "2022-05-31T10:00", "[2022-02-28T00:00:00, 2022-05-31T00:00:00)"},
		{"last 3 months", "UTC", "2024-05-31T10:00", "[2024-02-29T00:00:00, 2024-05-31T00:00:00)"},
		{"last 1 month", "UTC", "2024-03-31T23:59", "[2024-02-29T00:00:00, 2024-03-31T00:00:00)"},
		{"last 3 months", "UTC", "2023-01-15T00:00", "[2022-10-15T00:00:00, 2023-01-15T00:00:00)"},
		{"last 14 months", "UTC", "2023-01-15T00:00", "[2021-11-15T00:00:00, 2023-01-15T00:00:00)"},
		{"last 1 year", "UTC", "2024-02-29T12:00", "[2023-02-28T00:00:00, 2024-02-29T00:00:00)"},
		{"last 30 days", "UTC", "2024-03-01T08:00", "[2024-01-31T00:00:00, 2024-03-01T00:00:00)"},
		{"last 30 days", "UTC", "2023-03-01T08:00", "[2023-01-30T00:00:00, 2023-03-01T00:00:00)"},
		// the run day is the day in the window's zone: 01:00 in Paris is still the previous UTC day
		{"last 1 day", "Europe/Paris", "2022-07-10T01:00", "[2022-07-08T22:00:00, 2022-07-09T22:00:00)"},
		{"last 1 day", "UTC", "2022-07-10T01:00", "[2022-07-09T00:00:00, 2022-07-10T00:00:00)"},
		{"previous calendar month", "UTC", "2024-03-15T00:00", "[2024-02-01T00:00:00, 2024-03-01T00:00:00)"},
		{"previous calendar month", "UTC", "2023-01-01T00:00", "[2022-12-01T00:00:00, 2023-01-01T00:00:00)"},
		{"previous calendar month", "Europe/Paris", "2024-01-01T00:30", "[2023-11-30T23:00:00, 2023-12-31T23:00:00)"},
		// daylight saving time: the October Paris midnight is at 22:00 UTC, the November one at 23:00
		{"previous calendar month", "Europe/Paris", "2022-11-05T00:00", "[2022-09-30T22:00:00, 2022-10-31T23:00:00)"},
		{"Previous  Calendar Month", "America/New_York", "2022-04-01T00:00", "[2022-03-01T05:00:00, 2022-04-01T04:00:00)"},
		{"not yet computed", "UTC", "2022-04-01T00:00", "[-inf, +inf)"},
	} {
		w := Window{Range: tc.rng, TimeZone: tc.zone}
		b, err := w.Resolve(at(tc.now, tc.zone), nil, cf.ProlepticGregorian)
		if err != nil {
			t.Fatalf("%s at %s: %v", tc.rng, tc.now, err)
		}
		if b.String() != tc.want {
			t.Errorf("%q at %s %s = %s, want %s", tc.rng, tc.now, tc.zone, b, tc.want)
		}
	}
}

func TestWindowSteps(t *testing.T) {
	days := func(n int) []float64 {
		v := make([]float64, n)
		for i := range v {
			v[i] = float64(i)
		}
		return v
	}
	now := time.Date(2020, 3, 10, 12, 0, 0, 0, time.UTC)
	last := cf.DateTime{Year: 2020, Month: 2, Day: 27}
	for _, tc := range []struct {
		name, rng, units string
		cal              cf.Calendar
		n                int
		last             *cf.DateTime
		first, end       int
	}{
		// 2020-02-27 is index 57 of every Gregorian-month calendar
		{"standard leap day in", "2020-02-28..2020-02-29", "days since 2020-01-01", cf.Standard, 70, nil, 58, 60},
		{"noleap has no 29 February", "2020-02-28..2020-02-29", "days since 2020-01-01", cf.NoLeap, 70, nil, 58, 59},
		{"all_leap", "2019-02-28..2019-03-01", "days since 2019-01-01", cf.AllLeap, 70, nil, 58, 61},
		{"360_day February has 30 days", "previous calendar month", "days since 2020-01-01", cf.Day360, 90, nil, 30, 60},
		{"360_day 30 February in an absolute range", "2020-02-30..2020-02-30", "days since 2020-01-01", cf.Day360, 90, nil, 59, 60},
		{"julian", "2020-02-29..2020-03-01", "days since 2020-01-01", cf.Julian, 70, nil, 59, 61},
		{"noleap previous month", "previous calendar month", "days since 2020-01-01", cf.NoLeap, 90, nil, 31, 59},
		{"standard last 30 days", "last 30 days", "days since 2020-01-01", cf.Standard, 90, nil, 39, 69},
		{"not yet computed after 27 February", "not yet computed", "days since 2020-01-01", cf.Standard, 62, &last, 58, 62},
		{"not yet computed, nothing yet", "not yet computed", "days since 2020-01-01", cf.Standard, 62, nil, 0, 62},
		{"hourly axis", "2020-01-02..2020-01-02", "hours since 2020-01-01", cf.Standard, 72, nil, 24, 48},
		{"outside the axis", "2021-01-01..2021-01-31", "days since 2020-01-01", cf.Standard, 62, nil, 0, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			times, err := cf.DecodeTimes(days(tc.n), tc.units, tc.cal)
			if err != nil {
				t.Fatal(err)
			}
			b, err := (&Window{Range: tc.rng, TimeZone: "UTC"}).Resolve(now, tc.last, cf.ProlepticGregorian)
			if err != nil {
				t.Fatal(err)
			}
			first, end, err := b.Steps(times)
			if err != nil {
				t.Fatal(err)
			}
			if first != tc.first || end != tc.end {
				t.Fatalf("steps [%d, %d), want [%d, %d) (%s; times %s .. %s)", first, end, tc.first, tc.end, b, times[0], times[len(times)-1])
			}
		})
	}
	if _, _, err := (Bounds{}).Steps([]cf.DateTime{{Year: 2020, Month: 1, Day: 2}, {Year: 2020, Month: 1, Day: 1}}); err == nil {
		t.Fatal("a decreasing axis was accepted")
	}
}

// TestWindowCheckCalendar: an absolute window's days are checked against the axis's calendar
// (2022-02-30 only in 360_day); the error names the day, the spec file, line and key and the
// calendar. Relative windows pass in every calendar.
func TestWindowCheckCalendar(t *testing.T) {
	for _, tc := range []struct {
		rng  string
		cal  cf.Calendar
		want string // "" = accepted
	}{
		{"2022-02-30..2022-03-01", cf.Standard, "2022-02-30 is not a day of the standard calendar of time axis time (it exists in 360_day)"},
		{"2022-02-30..2022-03-01", cf.ProlepticGregorian, "2022-02-30 is not a day of the proleptic_gregorian"},
		{"2022-02-30..2022-03-01", cf.Julian, "julian"},
		{"2022-02-30..2022-03-01", cf.NoLeap, "noleap"},
		{"2022-02-30..2022-03-01", cf.AllLeap, "all_leap"},
		{"2022-02-30..2022-03-01", cf.Day360, ""},
		{"2021-02-01..2021-02-29", cf.Standard, "2021-02-29 is not a day of the standard calendar of time axis time (it exists in all_leap, 360_day)"},
		{"2021-02-01..2021-02-29", cf.AllLeap, ""},
		{"2021-02-01..2021-02-29", cf.Day360, ""},
		{"2024-02-29..2024-03-01", cf.NoLeap, "2024-02-29 is not a day of the noleap"},
		{"2024-02-29..2024-03-01", cf.Standard, ""},
		{"2022-01-31..2022-02-01", cf.Day360, "2022-01-31 is not a day of the 360_day"},
		{"1900-02-29..1900-03-01", cf.Julian, ""},
		{"1900-02-29..1900-03-01", cf.Standard, "1900-02-29"},
		{"last 3 months", cf.NoLeap, ""},
		{"previous calendar month", cf.Day360, ""},
		{"not yet computed", cf.Standard, ""},
	} {
		t.Run(tc.rng+" "+string(tc.cal), func(t *testing.T) {
			s, err := Parse("w.yaml", []byte(strings.Replace(good, "range: last 3 months", "range: "+tc.rng, 1)))
			if err != nil {
				t.Fatal(err)
			}
			err = s.Window.CheckCalendar(tc.cal, "time")
			if tc.want == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			var se *Error
			if err == nil || !errors.As(err, &se) || !strings.Contains(err.Error(), tc.want) ||
				!strings.HasPrefix(err.Error(), "w.yaml:7: window.range: ") || !strings.Contains(err.Error(), "nothing written") {
				t.Fatalf("err = %v, want w.yaml:7: window.range: ...%s...", err, tc.want)
			}
		})
	}
}

// TestRelativeWindowDaysAreDays: relative windows resolved on every run day of 2023 and 2024
// in zones on both sides of UTC have bounds that are real date-times (month-end clamping: 31
// May minus 3 months is 28/29 February, never 31 February), with the zone offset applied.
func TestRelativeWindowDaysAreDays(t *testing.T) {
	for _, rng := range []string{"last 1 month", "last 3 months", "last 1 year", "last 7 days", "previous calendar month"} {
		for _, zone := range []string{"UTC", "Pacific/Kiritimati", "Pacific/Pago_Pago", "Europe/Paris"} {
			w := &Window{Range: rng, TimeZone: zone}
			for now := time.Date(2023, 1, 1, 12, 0, 0, 0, time.UTC); now.Year() < 2025; now = now.AddDate(0, 0, 1) {
				b, err := w.Resolve(now, nil, cf.ProlepticGregorian)
				if err != nil {
					t.Fatal(err)
				}
				for _, d := range []*cf.DateTime{b.Start, b.End} {
					if err := cf.ProlepticGregorian.CheckDateTime(*d); err != nil {
						t.Fatalf("%s in %s at %s: bound %s: %v", rng, zone, now, d, err)
					}
				}
			}
		}
	}
}

// TestResolveCalendar: relative windows clamp month ends in the axis's calendar, so "last 1
// month" is one month of that calendar (30 February in 360_day, 28 February in noleap, 29
// February in all_leap); days and whole months are unaffected.
func TestResolveCalendar(t *testing.T) {
	for _, tc := range []struct {
		rng, now string
		cal      cf.Calendar
		want     string
	}{
		{"last 1 month", "2022-03-31T10:00:00Z", cf.Standard, "[2022-02-28T00:00:00, 2022-03-31T00:00:00)"},
		{"last 1 month", "2022-03-31T10:00:00Z", cf.Day360, "[2022-02-30T00:00:00, 2022-03-31T00:00:00)"},
		{"last 3 months", "2022-05-31T10:00:00Z", cf.Day360, "[2022-02-30T00:00:00, 2022-05-31T00:00:00)"},
		{"last 1 month", "2024-03-31T10:00:00Z", cf.NoLeap, "[2024-02-28T00:00:00, 2024-03-31T00:00:00)"},
		{"last 1 month", "2024-03-31T10:00:00Z", cf.Standard, "[2024-02-29T00:00:00, 2024-03-31T00:00:00)"},
		{"last 1 month", "2023-03-31T10:00:00Z", cf.AllLeap, "[2023-02-29T00:00:00, 2023-03-31T00:00:00)"},
		{"last 1 year", "2024-02-29T10:00:00Z", cf.AllLeap, "[2023-02-29T00:00:00, 2024-02-29T00:00:00)"},
		{"last 1 year", "2024-02-29T10:00:00Z", cf.Standard, "[2023-02-28T00:00:00, 2024-02-29T00:00:00)"},
		{"last 2 months", "2022-03-31T10:00:00Z", cf.Day360, "[2022-01-30T00:00:00, 2022-03-31T00:00:00)"},
		{"last 10 days", "2022-03-05T10:00:00Z", cf.Day360, "[2022-02-23T00:00:00, 2022-03-05T00:00:00)"},
		{"previous calendar month", "2022-03-31T10:00:00Z", cf.Day360, "[2022-02-01T00:00:00, 2022-03-01T00:00:00)"},
	} {
		now, err := time.Parse(time.RFC3339, tc.now)
		if err != nil {
			t.Fatal(err)
		}
		b, err := (&Window{Range: tc.rng, TimeZone: "UTC"}).Resolve(now, nil, tc.cal)
		if err != nil || b.String() != tc.want {
			t.Errorf("%s at %s in %s: %s, %v; want %s", tc.rng, tc.now, tc.cal, b, err, tc.want)
		}
	}
}
