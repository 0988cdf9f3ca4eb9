package cf

import (
	"encoding/xml"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hsfan/hsfan/ops"
)

// TestConvertUnitsUDUNITS: expected values are UDUNITS-2's, printed by its own converter
// (Debian udunits-bin 2.2.28): `udunits2 -U -H "300 kelvin" -W degC` -> "300 kelvin = 26.85
// degC". udunits2 prints 6 significant digits, hence the tolerance 5e-6 relative (500 degR is
// 277.777... K).
func TestConvertUnitsUDUNITS(t *testing.T) {
	for _, tc := range []struct {
		in       float64
		from, to string
		want     float64
	}{
		{300, "kelvin", "degC", 26.85},
		{300, "degrees_K", "degree_Celsius", 26.85},
		{300, "degreeK", "Celsius", 26.85},
		{25, "degrees_C", "K", 298.15},
		{25, "degreeC", "degF", 77},
		{25, "Celsius", "K", 298.15},
		{77, "degF", "K", 298.15},
		{77, "degrees_F", "degC", 25},
		{500, "degR", "K", 277.778},
		{500, "degreesR", "degF", 40.33},
		{20, "°C", "K", 293.15},
		{300, "K", "°F", 80.33},
		{-40, "degC", "degF", -40},
		{0, "degsK", "degC", -273.15},
		// hsfan's --units shorthands.
		{300, "kelvin", "C", 26.85},
		{25, "degC", "F", 77},
	} {
		c := ops.NewCF()
		if err := ConvertUnits(&c, tc.from, tc.to); err != nil {
			t.Errorf("%s -> %s: %v", tc.from, tc.to, err)
			continue
		}
		dst := make([]float64, 1)
		if err := ops.DecodeFloat64(dst, []float64{tc.in}, &c); err != nil {
			t.Fatal(err)
		}
		if math.Abs(dst[0]-tc.want) > 5e-6*math.Max(1, math.Abs(tc.want)) {
			t.Errorf("%v %s = %v %s, UDUNITS-2 says %v", tc.in, tc.from, dst[0], tc.to, tc.want)
		}
	}
	// The SST recipe's kelvin -> Celsius is exactly x - 273.15.
	if a, b, _ := TemperatureConversion("kelvin", "C"); a != 1 || b != -273.15 {
		t.Errorf("kelvin -> C: %v x + %v", a, b)
	}
}

func TestConvertUnitsRefused(t *testing.T) {
	for _, tc := range []struct{ from, to, want string }{
		{"m", "C", "data units"},
		{"K", "furlong", "--units"},
		{"", "C", "no units attribute"},
		{"k", "C", "supported"}, // UDUNITS-2 symbols are case-sensitive: "k" is not kelvin
	} {
		c := ops.NewCF()
		err := ConvertUnits(&c, tc.from, tc.to)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q -> %q: %v, want an error containing %q", tc.from, tc.to, err, tc.want)
		}
	}
	if _, err := ParseTemperature("furlong"); err == nil || !strings.Contains(err.Error(), "degree_Celsius") {
		t.Errorf("refusal does not list the supported units: %v", err)
	}
}

// udunitsDir is where Debian's libudunits2-data installs the UDUNITS-2 XML database.
const udunitsDir = "/usr/share/xml/udunits"

type udUnit struct {
	Def     string    `xml:"def"`
	Base    *struct{} `xml:"base"`
	Names   []udName  `xml:"name"`
	Symbols []string  `xml:"symbol"`
	Aliases struct {
		Names   []udName `xml:"name"`
		Symbols []string `xml:"symbol"`
	} `xml:"aliases"`
}

type udName struct {
	Singular string `xml:"singular"`
	Plural   string `xml:"plural"`
}

// TestUnitsMatchUDUNITS reads the UDUNITS-2 XML database (skipped where it is not installed:
// apt-get install udunits-bin) and checks that every name and symbol of its temperature units
// (kelvin and the units defined as "K", "K @ 273.15", "K/1.8", "°R @ 459.67" and their
// synonyms) parses to the right scale, so the table in units.go cannot drift from UDUNITS-2.
func TestUnitsMatchUDUNITS(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join(udunitsDir, "udunits2-*.xml"))
	if len(files) == 0 {
		t.Skipf("no UDUNITS-2 database in %s (apt-get install udunits-bin)", udunitsDir)
	}
	var units []udUnit
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var doc struct {
			Units []udUnit `xml:"unit"`
		}
		dec := xml.NewDecoder(strings.NewReader(string(data)))
		dec.Strict = false
		dec.CharsetReader = func(_ string, r io.Reader) (io.Reader, error) { return r, nil } // US-ASCII declared; symbols are UTF-8 entities
		if err := dec.Decode(&doc); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		units = append(units, doc.Units...)
	}
	defs := map[string]Temperature{"K": Kelvin, "K @ 273.15": Celsius, "degree_Celsius": Celsius, "K/1.8": Rankine, "°R @ 459.67": Fahrenheit}
	checked := 0
	for _, u := range units {
		want, ok := defs[strings.TrimSpace(u.Def)]
		if u.Base != nil && len(u.Names) == 1 && u.Names[0].Singular == "kelvin" {
			want, ok = Kelvin, true
		}
		if !ok {
			continue
		}
		names := append(append([]udName{}, u.Names...), u.Aliases.Names...)
		for _, n := range names {
			for _, s := range []string{n.Singular, n.Plural} {
				if s == "" {
					continue
				}
				checked++
				for _, spelling := range []string{s, strings.ToUpper(s), strings.ToLower(s)} {
					if got, err := ParseTemperature(spelling); err != nil || got != want {
						t.Errorf("UDUNITS-2 name %q (def %q): %v %v, want %s", spelling, u.Def, got, err, want)
					}
				}
			}
		}
		for _, s := range append(append([]string{}, u.Symbols...), u.Aliases.Symbols...) {
			s = strings.TrimSpace(s)
			checked++
			if got, err := ParseTemperature(s); err != nil || got != want {
				t.Errorf("UDUNITS-2 symbol %q (def %q): %v %v, want %s", s, u.Def, got, err, want)
			}
		}
	}
	if checked < 40 {
		t.Errorf("checked only %d UDUNITS-2 spellings; the XML layout changed?", checked)
	}
}
