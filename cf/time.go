package cf

import (
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
)

// DateTime is a date and time of day in some CF calendar, to the microsecond (cftime.datetime's
// resolution).
type DateTime struct {
	Year                                   int64
	Month, Day, Hour, Minute, Second, Usec int
}

// TimeUnits is a parsed CF time units attribute "<unit> since <reference date>".
type TimeUnits struct {
	// Usec is the length of one unit in microseconds.
	Usec int64
	// Unit is the unit as written; Ref the reference date, already moved to UTC when the units
	// gave a time zone offset (cftime does the same).
	Unit string
	Ref  DateTime
	// tz is the time zone offset of the reference in minutes east of UTC.
	tz int
}

// unitUsec are the time units cftime accepts for every calendar (cftime/_cftime.pyx
// microsec_units .. day_units); months and years are refused (cftime allows them only in the
// 360_day calendar or as common_years in noleap; CF discourages them).
var unitUsec = map[string]int64{}

func init() {
	for _, g := range []struct {
		names string
		usec  int64
	}{
		{"microseconds microsecond microsec microsecs", 1},
		{"milliseconds millisecond millisec millisecs msec msecs ms", 1000},
		{"seconds second sec secs s", 1e6},
		{"minutes minute min mins", 60e6},
		{"hours hour hr hrs h", 3600e6},
		{"days day d", 86400e6},
	} {
		for _, n := range strings.Fields(g.names) {
			unitUsec[n] = g.usec
		}
	}
}

// refDate is cftime's ISO 8601 reference date pattern (cftime/_cftime.pyx ISO8601_REGEX): an
// unpadded year, month and day, an optional time after "T" or a blank with optional seconds and
// fraction, and an optional time zone "Z" or "+h[h][[:]mm]"; anything after it (" UTC") is
// ignored, as cftime's re.match does. One-digit zone hours ("-6:00", the UDUNITS-2 example
// "seconds since 1992-10-8 15:15:42.5 -6:00") are read as xarray (pandas) and UDUNITS-2 read
// them; cftime ignores them.
var refDate = regexp.MustCompile(`^([+-]?[0-9]+)(?:-([0-9]{1,2})(?:-([0-9]{1,2})` +
	`(?:(?:[T ]([0-9]{1,2}):([0-9]{1,2})(?::([0-9]{1,2})(?:\.([0-9]+))?)?)?` +
	`(?: ?(Z|[-+][0-9]{1,2}(?::?[0-9]{2})?))?)?)?)?`)

// ParseTimeUnits parses CF time units such as "days since 1800-1-1 00:00:00",
// "hours since 1900-01-01T00:00:00Z", "seconds since 1981-01-01 00:00:00 UTC" or "days since
// 2000-01-01 00:00:00 -6:00" in calendar c, as cftime does (cftime._dateparse). It returns an
// error when the string is not a time unit.
func ParseTimeUnits(units string, c Calendar) (TimeUnits, error) {
	unit, ref, ok := strings.Cut(strings.TrimSpace(units), " since ")
	if !ok {
		return TimeUnits{}, fmt.Errorf("units %q: not \"<unit> since <date>\"", units)
	}
	unit = strings.ToLower(strings.TrimSpace(unit))
	usec, ok := unitUsec[unit]
	if !ok {
		return TimeUnits{}, fmt.Errorf("units %q: time unit %q: want days, hours, minutes, seconds, milliseconds or microseconds", units, unit)
	}
	ref = strings.TrimSpace(ref)
	m := refDate.FindStringSubmatch(ref)
	if m == nil {
		return TimeUnits{}, fmt.Errorf("units %q: reference date %q is not an ISO 8601 date", units, ref)
	}
	atoi := func(s string, def int) int {
		if s == "" {
			return def
		}
		v, _ := strconv.Atoi(s)
		return v
	}
	year, err := strconv.ParseInt(m[1], 10, 64)
	if err != nil {
		return TimeUnits{}, fmt.Errorf("units %q: year: %w", units, err)
	}
	t := TimeUnits{Usec: usec, Unit: unit, Ref: DateTime{Year: year, Month: atoi(m[2], 1), Day: atoi(m[3], 1),
		Hour: atoi(m[4], 0), Minute: atoi(m[5], 0), Second: atoi(m[6], 0)}}
	if f := m[7]; f != "" {
		f = (f + "000000")[:6]
		t.Ref.Usec = atoi(f, 0)
	}
	if t.Ref.Hour > 23 || t.Ref.Minute > 59 || t.Ref.Second > 59 {
		return TimeUnits{}, fmt.Errorf("units %q: time of day out of range", units)
	}
	if tz := m[8]; tz != "" && tz != "Z" {
		sign := 1
		if tz[0] == '-' {
			sign = -1
		}
		h, mm, colon := strings.Cut(tz[1:], ":")
		if !colon && len(h) > 2 {
			h, mm = h[:len(h)-2], h[len(h)-2:]
		}
		t.tz = sign * (atoi(h, 0)*60 + atoi(mm, 0))
	}
	if _, err := c.dayNumber(t.Ref.Year, t.Ref.Month, t.Ref.Day); err != nil {
		return TimeUnits{}, fmt.Errorf("units %q: reference date: %w", units, err)
	}
	if t.tz != 0 {
		// cftime: the reference date is moved to UTC (ref - offset).
		ref, err := c.add(t.Ref, -int64(t.tz)*60e6)
		if err != nil {
			return TimeUnits{}, fmt.Errorf("units %q: %w", units, err)
		}
		t.Ref = ref
	}
	return t, nil
}

const usecPerDay = 86400e6

// add returns dt plus usec microseconds in calendar c.
func (c Calendar) add(dt DateTime, usec int64) (DateTime, error) {
	day, err := c.dayNumber(dt.Year, dt.Month, dt.Day)
	if err != nil {
		return DateTime{}, err
	}
	tod := int64(dt.Hour)*3600e6 + int64(dt.Minute)*60e6 + int64(dt.Second)*1e6 + int64(dt.Usec)
	total := tod + usec
	dd := floorDiv(total, usecPerDay)
	tod = total - dd*usecPerDay
	y, m, d := c.date(day + dd)
	return DateTime{Year: y, Month: m, Day: d, Hour: int(tod / 3600e6), Minute: int(tod / 60e6 % 60),
		Second: int(tod / 1e6 % 60), Usec: int(tod % 1e6)}, nil
}

// maxOffsetUsec bounds offsets (about 290,000 years) so that microsecond counts stay in int64.
const maxOffsetUsec = 9e18

// DecodeTimes turns CF time values into dates of calendar c, as cftime.num2date does (and
// xarray, which decodes with cftime or, for standard calendars in numpy's range, with the same
// result): each value times the unit, rounded to the nearest microsecond, added to the
// reference date. NaN or values too large are an error naming the value.
func DecodeTimes(vals []float64, units string, c Calendar) ([]DateTime, error) {
	tu, err := ParseTimeUnits(units, c)
	if err != nil {
		return nil, err
	}
	out := make([]DateTime, len(vals))
	for i, v := range vals {
		if out[i], err = tu.decode(v, c); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// decode is one time value as a date of calendar c.
func (tu TimeUnits) decode(v float64, c Calendar) (DateTime, error) {
	us := v * float64(tu.Usec)
	if math.IsNaN(us) || math.Abs(us) > maxOffsetUsec {
		return DateTime{}, fmt.Errorf("time value %v (%s since ...): not a time", v, tu.Unit)
	}
	return c.add(tu.Ref, int64(math.Round(us)))
}

// String formats dt as ISO 8601 "YYYY-MM-DDTHH:MM:SS[.ffffff]" (cftime.datetime.isoformat).
func (dt DateTime) String() string {
	s := fmt.Sprintf("%s-%02d-%02dT%02d:%02d:%02d", yearString(dt.Year), dt.Month, dt.Day, dt.Hour, dt.Minute, dt.Second)
	if dt.Usec != 0 {
		s += fmt.Sprintf(".%06d", dt.Usec)
	}
	return s
}

// Date formats the date part "YYYY-MM-DD".
func (dt DateTime) Date() string {
	return fmt.Sprintf("%s-%02d-%02d", yearString(dt.Year), dt.Month, dt.Day)
}

func yearString(y int64) string {
	if y < 0 {
		return fmt.Sprintf("-%04d", -y)
	}
	return fmt.Sprintf("%04d", y)
}

// TimeStrings decodes time values to cftime's ISO form "YYYY-MM-DDTHH:MM:SS[.ffffff]", "NaT"
// for NaN (see TimeLabels for ok and the errors).
func TimeStrings(vals []float64, units, calendar string) ([]string, bool, error) {
	if _, _, isTime := strings.Cut(strings.TrimSpace(units), " since "); !isTime {
		return nil, false, nil
	}
	c, err := ParseCalendar(calendar)
	if err != nil {
		return nil, true, err
	}
	tu, err := ParseTimeUnits(units, c)
	if err != nil {
		return nil, true, err
	}
	out := make([]string, len(vals))
	for i, v := range vals {
		if math.IsNaN(v) {
			out[i] = "NaT"
			continue
		}
		t, err := tu.decode(v, c)
		if err != nil {
			return nil, true, err
		}
		out[i] = t.String()
	}
	return out, true, nil
}

// TimeLabels turns the values of a time coordinate into labels: ISO dates "YYYY-MM-DD" when
// every value falls at the same time of day, else date-times "YYYY-MM-DDTHH:MM:SS[.ffffff]Z"
// (UTC, as the units' time zone is applied). ok is false when units are not CF time units (the
// coordinate keeps its numbers); an error is a time coordinate that cannot be decoded (a bad
// calendar, a reference date the calendar does not have, values beyond ±290,000 years). NaN values
// are labelled "NaT".
func TimeLabels(vals []float64, units, calendar string) (labels []string, ok bool, err error) {
	if _, _, isTime := strings.Cut(strings.TrimSpace(units), " since "); !isTime {
		return nil, false, nil
	}
	c, err := ParseCalendar(calendar)
	if err != nil {
		return nil, true, err
	}
	// NaN times (a masked time coordinate) are labelled NaT, as xarray shows them.
	var finite []float64
	for _, v := range vals {
		if !math.IsNaN(v) {
			finite = append(finite, v)
		}
	}
	times, err := DecodeTimes(finite, units, c)
	if err != nil {
		return nil, true, err
	}
	same := true
	for _, t := range times[min(1, len(times)):] {
		if t.Hour != times[0].Hour || t.Minute != times[0].Minute || t.Second != times[0].Second || t.Usec != times[0].Usec {
			same = false
			break
		}
	}
	out := make([]string, len(vals))
	k := 0
	for i, v := range vals {
		if math.IsNaN(v) {
			out[i] = "NaT"
			continue
		}
		t := times[k]
		k++
		if same {
			out[i] = t.Date()
		} else {
			out[i] = t.String() + "Z"
		}
	}
	return out, true, nil
}
