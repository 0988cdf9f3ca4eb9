package cf

import (
	"fmt"
	"strings"

	"github.com/hsfan/hsfan/ops"
)

// Temperature is one of the temperature scales UDUNITS-2 defines.
type Temperature string

// The temperature scales, named by the symbols hsfan writes in its outputs.
const (
	Kelvin     Temperature = "K"
	Celsius    Temperature = "C"
	Fahrenheit Temperature = "F"
	Rankine    Temperature = "R"
)

// temperatureNames are the UDUNITS-2 names of the temperature units (compared case-insensitively,
// as UDUNITS-2 compares names), each with its plural, from the UDUNITS-2 2.2.28 database
// (Debian udunits-bin / libudunits2-data, /usr/share/xml/udunits): udunits2-base.xml (kelvin),
// udunits2-derived.xml (degree_Celsius, def "K @ 273.15"), udunits2-common.xml (the kelvin,
// Celsius, Rankine "K/1.8" and Fahrenheit "°R @ 459.67" aliases). UDUNITS-2 forms the plural of a
// name without a <plural> by adding "s" (kelvins, celsiuses is not used by any product and is
// left out). TestUnitsMatchUDUNITS checks this table against the XML.
var temperatureNames = map[string]Temperature{
	"kelvin": Kelvin, "kelvins": Kelvin,
	"degree_kelvin": Kelvin, "degrees_kelvin": Kelvin,
	"degree_k": Kelvin, "degrees_k": Kelvin,
	"degreek": Kelvin, "degreesk": Kelvin,
	"deg_k": Kelvin, "degs_k": Kelvin,
	"degk": Kelvin, "degsk": Kelvin,

	"degree_celsius": Celsius, "degrees_celsius": Celsius,
	"celsius":  Celsius,
	"degree_c": Celsius, "degrees_c": Celsius,
	"degreec": Celsius, "degreesc": Celsius,
	"deg_c": Celsius, "degs_c": Celsius,
	"degc": Celsius, "degsc": Celsius,

	"degree_rankine": Rankine, "degrees_rankine": Rankine,
	"degreer": Rankine, "degreesr": Rankine,
	"degree_r": Rankine, "degrees_r": Rankine,
	"degr": Rankine, "degsr": Rankine,
	"deg_r": Rankine, "degs_r": Rankine,

	"fahrenheit":        Fahrenheit,
	"degree_fahrenheit": Fahrenheit, "degrees_fahrenheit": Fahrenheit,
	"degreef": Fahrenheit, "degreesf": Fahrenheit,
	"degree_f": Fahrenheit, "degrees_f": Fahrenheit,
	"degf": Fahrenheit, "degsf": Fahrenheit,
	"deg_f": Fahrenheit, "degs_f": Fahrenheit,
}

// temperatureSymbols are the UDUNITS-2 symbols (case-sensitive, as UDUNITS-2 compares symbols)
// of the same units, plus hsfan's own shorthands "C" and "F" for --units (in UDUNITS-2 "C" is the
// coulomb and "F" the farad; no temperature product uses them, and hsfan has always read them as
// Celsius and Fahrenheit).
var temperatureSymbols = map[string]Temperature{
	"K": Kelvin, "°K": Kelvin,
	"°C": Celsius, "℃": Celsius, "C": Celsius,
	"°R": Rankine,
	"°F": Fahrenheit, "℉": Fahrenheit, "F": Fahrenheit,
}

// ParseTemperature returns the temperature scale of a UDUNITS-2 unit string ("degrees_C",
// "degreeK", "Celsius", "K", "°F", ...). Unknown units are an error listing the supported
// spellings.
func ParseTemperature(s string) (Temperature, error) {
	u := strings.TrimSpace(s)
	if t, ok := temperatureSymbols[u]; ok {
		return t, nil
	}
	if t, ok := temperatureNames[strings.ToLower(u)]; ok {
		return t, nil
	}
	return "", fmt.Errorf("unit %q is not a temperature unit hsfan converts; supported (UDUNITS-2 spellings, names in any case, singular or plural): %s", s, SupportedTemperatures)
}

// SupportedTemperatures lists the accepted spellings for error messages and --help.
const SupportedTemperatures = "kelvin: K, kelvin, degK, deg_K, degreeK, degree_K, degree_kelvin; " +
	"Celsius: C, °C, Celsius, degC, deg_C, degreeC, degree_C, degree_Celsius; " +
	"Fahrenheit: F, °F, fahrenheit, degF, deg_F, degreeF, degree_F, degree_fahrenheit; " +
	"Rankine: °R, degR, deg_R, degreeR, degree_R, degree_rankine"

// linear is y = a*x + b between two scales. The pairs are written out so that the common
// conversions are exact in decimal terms (kelvin to Celsius subtracts 273.15, as the PO.DAAC SST
// recipe does): K = C + 273.15, K = R/1.8, R = F + 459.67 (UDUNITS-2 definitions).
var linear = map[[2]Temperature][2]float64{
	{Kelvin, Celsius}:     {1, -273.15},
	{Celsius, Kelvin}:     {1, 273.15},
	{Kelvin, Fahrenheit}:  {1.8, -459.67},
	{Fahrenheit, Kelvin}:  {1 / 1.8, 459.67 / 1.8},
	{Celsius, Fahrenheit}: {1.8, 32},
	{Fahrenheit, Celsius}: {1 / 1.8, -32 / 1.8},
	{Kelvin, Rankine}:     {1.8, 0},
	{Rankine, Kelvin}:     {1 / 1.8, 0},
	{Celsius, Rankine}:    {1.8, 491.67},
	{Rankine, Celsius}:    {1 / 1.8, -273.15},
	{Fahrenheit, Rankine}: {1, 459.67},
	{Rankine, Fahrenheit}: {1, -459.67},
}

// TemperatureConversion returns a and b of y = a*x + b converting from unit from to unit to
// (UDUNITS-2 spellings, see ParseTemperature).
func TemperatureConversion(from, to string) (a, b float64, err error) {
	f, err := ParseTemperature(from)
	if err != nil {
		return 0, 0, fmt.Errorf("convert units: data units: %w", err)
	}
	t, err := ParseTemperature(to)
	if err != nil {
		return 0, 0, fmt.Errorf("convert units: --units: %w", err)
	}
	if f == t {
		return 1, 0, nil
	}
	l := linear[[2]Temperature{f, t}]
	return l[0], l[1], nil
}

// ConvertUnits appends the conversion from unit from (the units attribute of the data) to unit
// to (--units) to the decoding c: values come out in to. Same scales leave c unchanged. A data
// variable without units cannot be converted (an error says so).
func ConvertUnits(c *ops.CF, from, to string) error {
	if c == nil {
		return fmt.Errorf("convert units %s->%s: nil decoding", from, to)
	}
	if strings.TrimSpace(from) == "" {
		return fmt.Errorf("convert units to %s: the dataset has no units attribute", to)
	}
	a, b, err := TemperatureConversion(from, to)
	if err != nil {
		return err
	}
	if a != 1 || b != 0 {
		c.AddLinear(a, b)
	}
	return nil
}
