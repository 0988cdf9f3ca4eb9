package cf

import (
	"fmt"
	"strings"
)

// Calendar is a CF calendar (CF conventions 1.11 section 4.4.1), named by its canonical name.
type Calendar string

// The CF calendars. Standard is the mixed Julian/Gregorian calendar (Julian up to 1582-10-04,
// Gregorian from 1582-10-15; "gregorian" is its deprecated alias), ProlepticGregorian the
// Gregorian calendar extended backwards (with a year 0, as cftime's default has_year_zero),
// Julian the Julian calendar (no year 0), NoLeap ("365_day") and AllLeap ("366_day") the
// Gregorian months without or with every 29 February, Day360 twelve months of 30 days.
const (
	Standard           Calendar = "standard"
	ProlepticGregorian Calendar = "proleptic_gregorian"
	Julian             Calendar = "julian"
	NoLeap             Calendar = "noleap"
	AllLeap            Calendar = "all_leap"
	Day360             Calendar = "360_day"
)

// ParseCalendar maps a calendar attribute to its calendar: "" (no attribute) is standard, names
// compare case-insensitively, aliases are resolved as cftime does (gregorian -> standard,
// 365_day -> noleap, 366_day -> all_leap). Other names (including "none") are an error listing
// the CF calendars.
func ParseCalendar(s string) (Calendar, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", "standard", "gregorian":
		return Standard, nil
	case "proleptic_gregorian":
		return ProlepticGregorian, nil
	case "julian":
		return Julian, nil
	case "noleap", "365_day":
		return NoLeap, nil
	case "all_leap", "366_day":
		return AllLeap, nil
	case "360_day":
		return Day360, nil
	}
	return "", fmt.Errorf("calendar %q: want one of standard (gregorian), proleptic_gregorian, julian, noleap (365_day), all_leap (366_day), 360_day", s)
}

var cumDays = [13]int64{0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334, 365}

func gregorianLeap(y int64) bool { return y%4 == 0 && (y%100 != 0 || y%400 == 0) }
func julianLeap(y int64) bool    { return y%4 == 0 }

// astronomical maps a year without a year 0 (julian, standard: -1 precedes 1) to astronomical
// numbering (0 precedes 1).
func astronomical(y int64) int64 {
	if y < 0 {
		return y + 1
	}
	return y
}

func fromAstronomical(y int64) int64 {
	if y <= 0 {
		return y - 1
	}
	return y
}

// monthDays is the length of month m of year y.
func (c Calendar) monthDays(y int64, m int) int {
	if c == Day360 {
		return 30
	}
	d := int(cumDays[m] - cumDays[m-1])
	if m == 2 && c.leap(y) {
		d++
	}
	return d
}

func (c Calendar) leap(y int64) bool {
	switch c {
	case ProlepticGregorian:
		return gregorianLeap(y)
	case Julian:
		return julianLeap(astronomical(y))
	case Standard:
		if y > 1582 {
			return gregorianLeap(y)
		}
		return julianLeap(astronomical(y))
	case AllLeap:
		return true
	}
	return false
}

// floorDiv is a/b rounded towards minus infinity.
func floorDiv(a, b int64) int64 {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}

// gregorianJDN is the Julian day number of a proleptic Gregorian date (astronomical year).
func gregorianJDN(y int64, m, d int) int64 {
	// Hinnant's days_from_civil, shifted to JDN (1970-01-01 is JDN 2440588).
	yy := y
	if m <= 2 {
		yy--
	}
	era := floorDiv(yy, 400)
	yoe := yy - era*400
	mp := int64((m + 9) % 12)
	doy := (153*mp+2)/5 + int64(d) - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return era*146097 + doe - 719468 + 2440588
}

// julianJDN is the Julian day number of a Julian calendar date (astronomical year).
func julianJDN(y int64, m, d int) int64 {
	yy := y
	if m <= 2 {
		yy--
	}
	mp := int64((m + 9) % 12)
	doy := (153*mp+2)/5 + int64(d) - 1
	// Day 0 of the Julian cycle: 0000-03-01 Julian is JDN 1721118.
	return 365*yy + floorDiv(yy, 4) + doy + 1721118
}

func gregorianFromJDN(j int64) (int64, int, int) {
	z := j - 2440588 + 719468
	era := floorDiv(z, 146097)
	doe := z - era*146097
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365
	y := yoe + era*400
	doy := doe - (365*yoe + yoe/4 - yoe/100)
	mp := (5*doy + 2) / 153
	d := int(doy - (153*mp+2)/5 + 1)
	m := int(mp + 3)
	if m > 12 {
		m -= 12
	}
	if m <= 2 {
		y++
	}
	return y, m, d
}

func julianFromJDN(j int64) (int64, int, int) {
	z := j - 1721118
	cyc := floorDiv(z, 1461)
	r := z - cyc*1461
	yoc := r / 365
	if yoc == 4 {
		yoc = 3
	}
	doy := r - 365*yoc
	y := cyc*4 + yoc
	mp := (5*doy + 2) / 153
	d := int(doy - (153*mp+2)/5 + 1)
	m := int(mp + 3)
	if m > 12 {
		m -= 12
	}
	if m <= 2 {
		y++
	}
	return y, m, d
}

// gregorianStartJDN is 1582-10-15, the first day of the Gregorian calendar in the standard
// calendar (cftime: dates before it are Julian).
const gregorianStartJDN = 2299161

// dayNumber counts days in calendar c: a number that increases by one per day (Julian day
// numbers for the real-world calendars, days since year 0 for the others). It checks the date.
func (c Calendar) dayNumber(y int64, m, d int) (int64, error) {
	if m < 1 || m > 12 || d < 1 || d > c.monthDays(y, m) {
		return 0, fmt.Errorf("%04d-%02d-%02d is not a date of the %s calendar", y, m, d, c)
	}
	switch c {
	case ProlepticGregorian:
		return gregorianJDN(y, m, d), nil
	case Julian:
		if y == 0 {
			return 0, fmt.Errorf("year 0 does not exist in the julian calendar")
		}
		return julianJDN(astronomical(y), m, d), nil
	case Standard:
		if y == 0 {
			return 0, fmt.Errorf("year 0 does not exist in the standard calendar")
		}
		if g := gregorianJDN(y, m, d); y > 1582 || (y == 1582 && (m > 10 || (m == 10 && d >= 15))) {
			return g, nil
		}
		if y == 1582 && m == 10 && d > 4 {
			return 0, fmt.Errorf("%04d-%02d-%02d falls in the days the standard calendar skips (1582-10-05 to 1582-10-14)", y, m, d)
		}
		return julianJDN(astronomical(y), m, d), nil
	case NoLeap:
		return y*365 + cumDays[m-1] + int64(d) - 1, nil
	case AllLeap:
		n := cumDays[m-1]
		if m > 2 {
			n++
		}
		return y*366 + n + int64(d) - 1, nil
	case Day360:
		return y*360 + int64(m-1)*30 + int64(d) - 1, nil
	}
	return 0, fmt.Errorf("unknown calendar %q", c)
}

// CheckDate returns nil if y-m-d is a day of calendar c, else an error naming the date and the
// calendar: 30 February exists only in 360_day, 29 February 2021 only in all_leap and 360_day,
// 31 April in none, year 0 not in standard or julian, 1582-10-05..14 not in standard (cftime's
// calendars: cftime/_cftime.pyx, the checks of its datetime constructor).
func (c Calendar) CheckDate(y int64, m, d int) error {
	_, err := c.dayNumber(y, m, d)
	return err
}

// CheckDateTime is CheckDate for a date-time, whose time of day must also be one: hour 0..23,
// minute and second 0..59, Usec 0..999999 (no calendar has a leap second or a 24:00).
func (c Calendar) CheckDateTime(dt DateTime) error {
	if err := c.CheckDate(dt.Year, dt.Month, dt.Day); err != nil {
		return err
	}
	if dt.Hour < 0 || dt.Hour > 23 || dt.Minute < 0 || dt.Minute > 59 || dt.Second < 0 || dt.Second > 59 || dt.Usec < 0 || dt.Usec > 999999 {
		return fmt.Errorf("%04d-%02d-%02dT%02d:%02d:%02d.%06d is not a time of day (hour 0..23, minute and second 0..59)", dt.Year, dt.Month, dt.Day, dt.Hour, dt.Minute, dt.Second, dt.Usec)
	}
	return nil
}

// MonthDays is the number of days of month m (1..12) of year y in calendar c: 30 in 360_day,
// February's 28 or 29 by the calendar's leap years (none in noleap, all in all_leap).
func (c Calendar) MonthDays(y int64, m int) int { return c.monthDays(y, m) }

// date is the inverse of dayNumber.
func (c Calendar) date(n int64) (int64, int, int) {
	switch c {
	case ProlepticGregorian:
		return gregorianFromJDN(n)
	case Julian:
		y, m, d := julianFromJDN(n)
		return fromAstronomical(y), m, d
	case Standard:
		if n >= gregorianStartJDN {
			return gregorianFromJDN(n)
		}
		y, m, d := julianFromJDN(n)
		return fromAstronomical(y), m, d
	case NoLeap, AllLeap:
		per := int64(365)
		if c == AllLeap {
			per = 366
		}
		y := floorDiv(n, per)
		doy := n - y*per
		m := 1
		for m < 12 {
			end := cumDays[m]
			if c == AllLeap && m >= 2 {
				end++
			}
			if doy < end {
				break
			}
			m++
		}
		start := cumDays[m-1]
		if c == AllLeap && m > 2 {
			start++
		}
		return y, m, int(doy-start) + 1
	case Day360:
		y := floorDiv(n, 360)
		doy := n - y*360
		return y, int(doy/30) + 1, int(doy%30) + 1
	}
	return 0, 0, 0
}
