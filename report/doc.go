// Package report is the terminal side of a run: [Reporter] shows progress (a bar on a terminal,
// log lines otherwise), [FormatReport] renders the final summary of a fan-out's [fanout.Stats],
// and [RunCost] and [EstimateCost] price a run from measured or planned work with the AWS
// Lambda prices in this package's constants.
package report
