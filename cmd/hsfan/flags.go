package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
)

// This file is the one validation layer of the command line: every numeric or enumerated flag of
// every command is registered through intVar, int64Var, floatVar, durationVar or choiceVar, whose
// flag.Value rejects a value outside its allowed range while the flag package parses it. The flag
// package then reports `invalid value "0" for flag -concurrency: ...`, so each error names the
// flag, and the help lists each flag's allowed values (TestEveryFlagValidated pins that no
// numeric flag escapes this layer).

// allowedValues is implemented by the validated flag values: the allowed range for the help.
type allowedValues interface{ allowed() string }

// bound formats a range bound; math.MaxInt and friends print as "inf".
func bound[T int | int64 | float64](v T, top bool) string {
	f := float64(v)
	if top && (f >= math.MaxInt64/2 || math.IsInf(f, 1)) || !top && (f <= math.MinInt64/2 || math.IsInf(f, -1)) {
		return map[bool]string{true: "inf", false: "-inf"}[top]
	}
	return fmt.Sprint(v)
}

// intValue is an int flag limited to [lo, hi].
type intValue struct {
	p      *int
	lo, hi int
}

func intVar(fs *flag.FlagSet, p *int, name string, def, lo, hi int, usage string) {
	*p = def
	fs.Var(&intValue{p, lo, hi}, name, usage)
}

func (v *intValue) String() string {
	if v == nil || v.p == nil {
		return "0"
	}
	return strconv.Itoa(*v.p)
}

func (v *intValue) Set(s string) error {
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil {
		return fmt.Errorf("not an integer: want %s", v.allowed())
	}
	if n < v.lo || n > v.hi {
		return fmt.Errorf("out of range: want %s", v.allowed())
	}
	*v.p = n
	return nil
}

func (v *intValue) allowed() string {
	return fmt.Sprintf("an integer in [%s, %s]", bound(v.lo, false), bound(v.hi, true))
}

// int64Value is an int64 flag limited to [lo, hi].
type int64Value struct {
	p      *int64
	lo, hi int64
}

func int64Var(fs *flag.FlagSet, p *int64, name string, def, lo, hi int64, usage string) {
	*p = def
	fs.Var(&int64Value{p, lo, hi}, name, usage)
}

func (v *int64Value) String() string {
	if v == nil || v.p == nil {
		return "0"
	}
	return strconv.FormatInt(*v.p, 10)
}

func (v *int64Value) Set(s string) error {
	n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
	if err != nil {
		return fmt.Errorf("not an integer: want %s", v.allowed())
	}
	if n < v.lo || n > v.hi {
		return fmt.Errorf("out of range: want %s", v.allowed())
	}
	*v.p = n
	return nil
}

func (v *int64Value) allowed() string {
	return fmt.Sprintf("an integer in [%s, %s]", bound(v.lo, false), bound(v.hi, true))
}

// floatValue is a finite float64 flag limited to [lo, hi].
type floatValue struct {
	p      *float64
	lo, hi float64
}

func floatVar(fs *flag.FlagSet, p *float64, name string, def, lo, hi float64, usage string) {
	*p = def
	fs.Var(&floatValue{p, lo, hi}, name, usage)
}

func (v *floatValue) String() string {
	if v == nil || v.p == nil {
		return "0"
	}
	return strconv.FormatFloat(*v.p, 'g', -1, 64)
}

func (v *floatValue) Set(s string) error {
	x, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil || math.IsNaN(x) || math.IsInf(x, 0) {
		return fmt.Errorf("not a finite number: want %s", v.allowed())
	}
	if x < v.lo || x > v.hi {
		return fmt.Errorf("out of range: want %s", v.allowed())
	}
	*v.p = x
	return nil
}

func (v *floatValue) allowed() string {
	if math.IsInf(v.lo, -1) && math.IsInf(v.hi, 1) {
		return "a finite number"
	}
	return fmt.Sprintf("a number in [%s, %s]", bound(v.lo, false), bound(v.hi, true))
}

// durationValue is a time.Duration flag limited to [lo, hi].
type durationValue struct {
	p      *time.Duration
	lo, hi time.Duration
}

func durationVar(fs *flag.FlagSet, p *time.Duration, name string, def, lo, hi time.Duration, usage string) {
	*p = def
	fs.Var(&durationValue{p, lo, hi}, name, usage)
}

func (v *durationValue) String() string {
	if v == nil || v.p == nil {
		return "0s"
	}
	return v.p.String()
}

func (v *durationValue) Set(s string) error {
	d, err := time.ParseDuration(strings.TrimSpace(s))
	if err != nil {
		return fmt.Errorf("not a duration (e.g. 90s, 5m): want %s", v.allowed())
	}
	if d < v.lo || d > v.hi {
		return fmt.Errorf("out of range: want %s", v.allowed())
	}
	*v.p = d
	return nil
}

func (v *durationValue) allowed() string {
	return fmt.Sprintf("a duration in [%s, %s]", v.lo, v.hi)
}

// choiceValue is a string flag that must be one of a fixed list.
type choiceValue struct {
	p       *string
	choices []string
}

func choiceVar(fs *flag.FlagSet, p *string, name, def string, choices []string, usage string) {
	*p = def
	fs.Var(&choiceValue{p, choices}, name, usage)
}

func (v *choiceValue) String() string {
	if v == nil || v.p == nil {
		return ""
	}
	return *v.p
}

func (v *choiceValue) Set(s string) error {
	if !slices.Contains(v.choices, s) {
		return fmt.Errorf("want %s", v.allowed())
	}
	*v.p = s
	return nil
}

func (v *choiceValue) allowed() string { return "one of " + strings.Join(v.choices, ", ") }

// flagGroup is one titled group of flags in a command's help.
type flagGroup struct {
	title string
	names []string
}

// helpDoc is a command's help: the usage and description, the flags in groups (flags in no group
// are listed under "Other flags", so a flag added later is never hidden) and the examples.
type helpDoc struct {
	usage    string
	groups   []flagGroup
	examples string
}

// storeGroup is the help group of the storeFlags every command shares.
var storeGroup = flagGroup{"Store", []string{"store", "bucket", "s3-region", "s3-requester-pays", "s3-credentials-url", "netrc"}}

// flagSetHook, when set (tests), sees every command's flag set before it parses.
var flagSetHook func(*flag.FlagSet)

// parseCommand parses a command's flags anywhere on its command line (see parseArgs) and returns
// the positional arguments. -h/--help prints doc with every flag to stdout and returns
// flag.ErrHelp; a bad flag is a one-line usage error naming the flag (the help is not dumped).
func parseCommand(fs *flag.FlagSet, args []string, doc helpDoc, stdout io.Writer) ([]string, error) {
	if flagSetHook != nil {
		flagSetHook(fs)
	}
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	pos, err := parseArgs(fs, args)
	switch {
	case errors.Is(err, flag.ErrHelp):
		printHelp(stdout, fs, doc)
		return nil, flag.ErrHelp
	case err != nil:
		msg := strings.Replace(err.Error(), "flag provided but not defined: -", "unknown flag --", 1)
		msg = strings.Replace(msg, "for flag -", "for flag --", 1)
		msg = strings.Replace(msg, "needs an argument: -", "needs an argument: --", 1)
		return nil, usagef("%s (see 'hsfan %s -h')", msg, fs.Name())
	}
	return pos, nil
}

// printHelp writes doc with the flags of fs in their groups: each flag with its argument type,
// usage, allowed values and default.
func printHelp(w io.Writer, fs *flag.FlagSet, doc helpDoc) {
	fmt.Fprint(w, strings.TrimRight(doc.usage, "\n")+"\n")
	seen := map[string]bool{}
	groups := doc.groups
	var other []string
	fs.VisitAll(func(f *flag.Flag) {
		in := false
		for _, g := range groups {
			in = in || slices.Contains(g.names, f.Name)
		}
		if !in {
			other = append(other, f.Name)
		}
	})
	if len(other) > 0 {
		groups = append(slices.Clone(groups), flagGroup{"Other flags", other})
	}
	for _, g := range groups {
		var lines []string
		for _, name := range g.names {
			f := fs.Lookup(name)
			if f == nil || seen[name] {
				continue
			}
			seen[name] = true
			lines = append(lines, flagHelp(f))
		}
		if len(lines) == 0 {
			continue
		}
		fmt.Fprintf(w, "\n%s:\n%s", g.title, strings.Join(lines, ""))
	}
	if doc.examples != "" {
		fmt.Fprintf(w, "\nExamples:\n%s", strings.TrimRight(doc.examples, "\n")+"\n")
	}
}

// flagHelp is the help of one flag: "  --name TYPE" and below it the usage, allowed values and
// default.
func flagHelp(f *flag.Flag) string {
	typ, usage := flag.UnquoteUsage(f)
	switch f.Value.(type) {
	case *intValue, *int64Value:
		typ = "int"
	case *floatValue:
		typ = "float"
	case *durationValue:
		typ = "duration"
	case *choiceValue:
		typ = "name"
	}
	if typ == "value" {
		typ = "value"
	}
	head := "  " + dashes(f.Name) + f.Name
	if typ != "" {
		head += " " + typ
	}
	var extra []string
	if a, ok := f.Value.(allowedValues); ok {
		extra = append(extra, a.allowed())
	}
	if f.DefValue != "" && f.DefValue != "false" {
		extra = append(extra, "default "+f.DefValue)
	}
	if len(extra) > 0 {
		usage += " (" + strings.Join(extra, "; ") + ")"
	}
	return head + "\n" + wrap(usage, "      ", 100)
}

// dashes is the prefix the help shows for a flag: "-" for one letter (-r, -o, -v), "--" else (the
// flag package accepts both for every flag).
func dashes(name string) string {
	if len(name) == 1 {
		return "-"
	}
	return "--"
}

// wrap breaks text into lines of at most width columns, each starting with indent.
func wrap(text, indent string, width int) string {
	var b strings.Builder
	line := indent
	for _, word := range strings.Fields(text) {
		if len(line) > len(indent) && len(line)+1+len(word) > width {
			b.WriteString(line + "\n")
			line = indent
		}
		if len(line) > len(indent) {
			line += " "
		}
		line += word
	}
	b.WriteString(line + "\n")
	return b.String()
}
