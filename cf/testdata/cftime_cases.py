# Reference dates for cf/time_test.go (TestDecodeTimesCftime): cftime.num2date over every CF
# calendar and the reference-date forms of real files. Run: /usr/bin/python3 cf/testdata/cftime_cases.py
# (cftime 1.6.x, Debian python3-cftime); paste the output into the test's table.
import cftime
cases = [
    ("days since 2000-01-01", "noleap", [59, 365, 424]),
    ("days since 2000-01-01", "365_day", [-1, 730.5]),
    ("days since 2000-01-01", "all_leap", [59, 365, 366, 731]),
    ("days since 2000-01-01", "366_day", [-1]),
    ("days since 2000-01-01", "360_day", [59, 360, 424, -1, 0.25]),
    ("days since 2000-01-01", "julian", [0, 59, 365, 36600]),
    ("days since 2000-01-01", "proleptic_gregorian", [59, 365, -730000]),
    ("days since 2000-01-01", "standard", [59, 365, 424]),
    ("days since 1800-1-1 00:00:00", "standard", [0, 76700, 80353.5]),
    ("days since 1800-1-1 00:00:00", "gregorian", [80353.75]),
    ("hours since 1900-01-01T00:00:00Z", "standard", [0, 1051896, 1060655.5]),
    ("hours since 1900-01-01 00:00:00.0", "standard", [1051896]),
    ("seconds since 1981-01-01 00:00:00 UTC", "standard", [1293872400, 1293958800.25]),
    ("days since 2000-01-01 00:00:00 -6:00", "standard", [0, 1]),
    ("hours since 2000-01-01T00:00:00+05:30", "standard", [0, 24]),
    ("minutes since 2000-1-1", "noleap", [525600, 87840]),
    ("days since 1582-10-04", "standard", [0, 1, 2]),
    ("days since 1582-10-15", "standard", [-1, 0]),
    ("days since 1500-01-01", "standard", [0, 36524, 100000]),
    ("days since 0001-01-01", "standard", [738000]),
    ("days since 0001-01-01", "proleptic_gregorian", [738000]),
    ("days since 1700-01-01", "standard", [118000, 118001]),
    ("milliseconds since 1970-01-01", "standard", [1e12 + 1.5]),
    ("days since 1850-01-01", "360_day", [61200.5, 61559]),
    ("days since 1850-01-01", "julian", [-10, 100000]),
]
for units, cal, vals in cases:
    ds = cftime.num2date(vals, units, calendar=cal, only_use_cftime_datetimes=True)
    print('{"%s", "%s", []float64{%s}, []string{%s}},' % (units, cal, ", ".join(repr(v) for v in vals),
          ", ".join('"%s"' % d.isoformat() for d in ds)))
