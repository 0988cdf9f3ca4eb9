package spec

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/hsfan/hsfan/cf"
)

// Window is the window section: a range over the time axis and the time zone its days are read in.
type Window struct {
	// Range is one of
	//   2022-01-01..2022-12-31    absolute, both days included; each day must exist in the time
	//                             axis's CF calendar (2022-02-30 only in 360_day: CheckCalendar)
	//   last N days|months|years  relative: from the run day's midnight minus N units (a month
	//                             end clamps in the axis's calendar: 31 May minus 3 months is
	//                             28/29 February, 30 February in 360_day) to the run day's
	//                             midnight, so only complete days are in it
	//   previous calendar month   the whole month before the run's month
	//   not yet computed          everything after the catalog's last complete step
	Range string `yaml:"range"`
	// TimeZone is the IANA zone of the day boundaries (required).
	TimeZone string `yaml:"time_zone"`
	// Axis is the time dimension's name (default: the first axis whose coordinate has CF time
	// units).
	Axis string `yaml:"axis,omitempty"`

	// file and line locate Range in the spec file (set by Parse) for CheckCalendar's error.
	file string
	line int
}

// WindowKind is the kind of a window expression.
type WindowKind int

// The window kinds.
const (
	Absolute WindowKind = iota + 1
	LastN
	PreviousMonth
	NotYetComputed
)

// WindowExpr is a parsed window range.
type WindowExpr struct {
	Kind WindowKind
	// From and To are the absolute days (To included).
	From, To date
	// N and Unit ("day", "month", "year") of "last N units".
	N    int
	Unit string
}

type date struct{ y, m, d int }

var (
	absRE  = regexp.MustCompile(`^(\d{4})-(\d{2})-(\d{2})\s*\.\.\s*(\d{4})-(\d{2})-(\d{2})$`)
	lastRE = regexp.MustCompile(`^last\s+(\d+)\s+(day|days|month|months|year|years)$`)
)

// ParseWindow parses a window range (see Window.Range); the error lists the accepted forms.
func ParseWindow(s string) (WindowExpr, error) {
	t := strings.Join(strings.Fields(strings.ToLower(s)), " ")
	switch {
	case t == "":
		return WindowExpr{}, errors.New("missing: " + windowForms)
	case t == "previous calendar month":
		return WindowExpr{Kind: PreviousMonth}, nil
	case t == "not yet computed":
		return WindowExpr{Kind: NotYetComputed}, nil
	}
	if m := absRE.FindStringSubmatch(t); m != nil {
		from, err := parseDate(m[1], m[2], m[3])
		if err != nil {
			return WindowExpr{}, err
		}
		to, err := parseDate(m[4], m[5], m[6])
		if err != nil {
			return WindowExpr{}, err
		}
		if cmpDate(from, to) > 0 {
			return WindowExpr{}, fmt.Errorf("%q: the first day is after the last", s)
		}
		return WindowExpr{Kind: Absolute, From: from, To: to}, nil
	}
	if m := lastRE.FindStringSubmatch(t); m != nil {
		n, err := strconv.Atoi(m[1])
		if err != nil || n < 1 || n > 100000 {
			return WindowExpr{}, fmt.Errorf("%q: N must be in [1, 100000]", s)
		}
		return WindowExpr{Kind: LastN, N: n, Unit: strings.TrimSuffix(m[2], "s")}, nil
	}
	return WindowExpr{}, fmt.Errorf("%q: %s", s, windowForms)
}

const windowForms = `want YYYY-MM-DD..YYYY-MM-DD, "last N days", "last N months", "last N years", "previous calendar month" or "not yet computed"`

// parseDate accepts any day that exists in some CF calendar: 29 and 30 February exist in the
// 360_day calendar, 31 April in none. Whether the day exists in the calendar of the time axis
// is only known with the data: Window.CheckCalendar checks it before a run computes anything.
func parseDate(ys, ms, ds string) (date, error) {
	y, _ := strconv.Atoi(ys)
	m, _ := strconv.Atoi(ms)
	d, _ := strconv.Atoi(ds)
	maxDay := [13]int{0, 31, 30, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31}
	if m < 1 || m > 12 || d < 1 || d > maxDay[m] {
		return date{}, fmt.Errorf("%s-%s-%s: not a day of any CF calendar", ys, ms, ds)
	}
	return date{y, m, d}, nil
}

// allCalendars are the CF calendars in the order CheckCalendar lists them.
var allCalendars = []cf.Calendar{cf.Standard, cf.ProlepticGregorian, cf.Julian, cf.NoLeap, cf.AllLeap, cf.Day360}

// CheckCalendar checks that the days an absolute window names exist in c, the calendar of the
// time axis axis: 2022-02-30 exists only in 360_day, 2021-02-29 only in all_leap and 360_day
// (cf.Calendar.CheckDate). A day that does not exist is an *Error at the spec's window.range
// line naming the day, the axis, its calendar and the calendars that have the day. Relative
// windows need no check: their days are days of the run's Gregorian clock and they compare
// with the axis field by field (see Bounds).
func (w *Window) CheckCalendar(c cf.Calendar, axis string) error {
	e, err := ParseWindow(w.Range)
	if err != nil {
		return w.errorf("%v", err)
	}
	if e.Kind != Absolute {
		return nil
	}
	for _, d := range []date{e.From, e.To} {
		if c.CheckDate(int64(d.y), d.m, d.d) == nil {
			continue
		}
		var in []string
		for _, o := range allCalendars {
			if o.CheckDate(int64(d.y), d.m, d.d) == nil {
				in = append(in, string(o))
			}
		}
		return w.errorf("%04d-%02d-%02d is not a day of the %s calendar of time axis %s (it exists in %s); nothing computed, nothing written",
			d.y, d.m, d.d, c, axis, strings.Join(in, ", "))
	}
	return nil
}

// errorf is an *Error at the window's range key.
func (w *Window) errorf(format string, a ...any) error {
	return &Error{File: w.file, Line: w.line, Key: "window.range", Msg: fmt.Sprintf(format, a...)}
}

func cmpDate(a, b date) int {
	switch {
	case a.y != b.y:
		return a.y - b.y
	case a.m != b.m:
		return a.m - b.m
	}
	return a.d - b.d
}

// Bounds are a resolved window: time steps t with Start <= t < End (a nil bound is open; with
// StartAfter the start is exclusive). Dates are UTC date-times compared field by field, so a
// day of a non-standard calendar (30 February in 360_day) falls where its fields put it.
type Bounds struct {
	Start, End *cf.DateTime
	StartAfter bool
}

// Contains reports whether t is inside the bounds.
func (b Bounds) Contains(t cf.DateTime) bool {
	if b.Start != nil {
		c := CompareDateTime(t, *b.Start)
		if c < 0 || c == 0 && b.StartAfter {
			return false
		}
	}
	return b.End == nil || CompareDateTime(t, *b.End) < 0
}

// String shows the bounds as [start, end).
func (b Bounds) String() string {
	s, e := "-inf", "+inf"
	if b.Start != nil {
		s = b.Start.String()
	}
	if b.End != nil {
		e = b.End.String()
	}
	open := "["
	if b.StartAfter {
		open = "("
	}
	return open + s + ", " + e + ")"
}

// CompareDateTime orders date-times field by field (-1, 0, 1).
func CompareDateTime(a, b cf.DateTime) int {
	x := [7]int64{a.Year, int64(a.Month), int64(a.Day), int64(a.Hour), int64(a.Minute), int64(a.Second), int64(a.Usec)}
	y := [7]int64{b.Year, int64(b.Month), int64(b.Day), int64(b.Hour), int64(b.Minute), int64(b.Second), int64(b.Usec)}
	for i := range x {
		switch {
		case x[i] < y[i]:
			return -1
		case x[i] > y[i]:
			return 1
		}
	}
	return 0
}

// Resolve turns the window into bounds for a run at now. Midnights are in the window's time
// zone and converted to UTC (the CF time axis is UTC once its units' offset is applied).
// lastComputed is the catalog's last complete step (nil: none), used by "not yet computed".
// Month ends clamp in cal, the time axis's calendar (WindowExpr.Resolve).
func (w *Window) Resolve(now time.Time, lastComputed *cf.DateTime, cal cf.Calendar) (Bounds, error) {
	e, err := ParseWindow(w.Range)
	if err != nil {
		return Bounds{}, err
	}
	if w.TimeZone == "" || w.TimeZone == "Local" {
		return Bounds{}, errors.New("window time_zone is required (an IANA name such as UTC)")
	}
	loc, err := time.LoadLocation(w.TimeZone)
	if err != nil {
		return Bounds{}, fmt.Errorf("window time zone %q: %w", w.TimeZone, err)
	}
	return e.Resolve(now, loc, lastComputed, cal), nil
}

// Resolve is Window.Resolve for a parsed expression: month ends clamp in calendar cal (the time
// axis's): "last 1 month" on 31 March starts on 30 February in 360_day, 28 February in noleap,
// 29 February in all_leap. Days ("last N days") are the run clock's real days in every calendar.
func (e WindowExpr) Resolve(now time.Time, loc *time.Location, lastComputed *cf.DateTime, cal cf.Calendar) Bounds {
	local := now.In(loc)
	today := date{local.Year(), int(local.Month()), local.Day()}
	switch e.Kind {
	case Absolute:
		return Bounds{Start: midnightUTC(e.From, loc), End: midnightUTC(nextDay(e.To), loc)}
	case LastN:
		var from date
		switch e.Unit {
		case "day":
			t := time.Date(today.y, time.Month(today.m), today.d-e.N, 0, 0, 0, 0, time.UTC)
			from = date{t.Year(), int(t.Month()), t.Day()}
		case "month":
			from = addMonths(today, -e.N, cal)
		case "year":
			from = addMonths(today, -12*e.N, cal)
		}
		return Bounds{Start: midnightUTC(from, loc), End: midnightUTC(today, loc)}
	case PreviousMonth:
		first := date{today.y, today.m, 1}
		return Bounds{Start: midnightUTC(addMonths(first, -1, cal), loc), End: midnightUTC(first, loc)}
	case NotYetComputed:
		if lastComputed == nil {
			return Bounds{}
		}
		t := *lastComputed
		return Bounds{Start: &t, StartAfter: true}
	}
	return Bounds{}
}

// addMonths moves d by n months, clamping the day to the target month's last day in calendar
// cal (31 May - 3 months = 28 or 29 February in the Gregorian calendar, 30 February in
// 360_day, never 3 March).
func addMonths(d date, n int, cal cf.Calendar) date {
	m0 := d.y*12 + (d.m - 1) + n
	y, m := m0/12, m0%12
	if m < 0 {
		y, m = y-1, m+12
	}
	m++
	if last := cal.MonthDays(int64(y), m); d.d > last {
		return date{y, m, last}
	}
	return date{y, m, d.d}
}

// nextDay is the Gregorian day after d; a day only other calendars have (30 February) maps to
// the first of the next month, so "..2022-02-30" ends where February ends in every calendar.
func nextDay(d date) date {
	last := time.Date(d.y, time.Month(d.m)+1, 0, 0, 0, 0, 0, time.UTC).Day()
	if d.d >= last {
		return addMonths(date{d.y, d.m, 1}, 1, cf.ProlepticGregorian)
	}
	return date{d.y, d.m, d.d + 1}
}

// midnightUTC is the UTC date-time of d's midnight in loc. A day only other calendars have (29
// February of a common year, 30 February) takes the zone offset of the month's last Gregorian
// day and keeps its own day number, so that 30 February 00:00 UTC is that day in 360_day.
func midnightUTC(d date, loc *time.Location) *cf.DateTime {
	last := time.Date(d.y, time.Month(d.m)+1, 0, 0, 0, 0, 0, time.UTC).Day()
	extra := 0
	if d.d > last {
		extra = d.d - last
	}
	t := time.Date(d.y, time.Month(d.m), d.d-extra, 0, 0, 0, 0, loc).UTC()
	return &cf.DateTime{Year: int64(t.Year()), Month: int(t.Month()), Day: t.Day() + extra, Hour: t.Hour(), Minute: t.Minute(), Second: t.Second()}
}

// Steps returns the half-open index range [first, end) of the times inside b. The axis must be
// strictly increasing (a CF time coordinate is); otherwise it is an error naming the index.
func (b Bounds) Steps(times []cf.DateTime) (first, end int, err error) {
	for i := 1; i < len(times); i++ {
		if CompareDateTime(times[i-1], times[i]) >= 0 {
			return 0, 0, fmt.Errorf("time axis not strictly increasing at index %d (%s after %s)", i, times[i], times[i-1])
		}
	}
	first, end = -1, -1
	for i, t := range times {
		if b.Contains(t) {
			if first < 0 {
				first = i
			}
			end = i + 1
		}
	}
	if first < 0 {
		return 0, 0, nil
	}
	return first, end, nil
}
