// Command wordcount is an example of a user map-reduce job compiled into its own binary, which
// plays both roles as corral's do: run on a machine it is the driver (it cuts the inputs into
// splits and fans the map and reduce tasks out in process or to Lambda); started by AWS Lambda
// or hsfan lambda-local as the function's bootstrap it is the worker that runs the tasks. The
// job, "lowerwords", counts words case-insensitively and keeps those of at least --min-len
// letters.
//
//	go build -o wordcount ./examples/wordcount
//	./wordcount --input 'file://books/*.txt' --out out/words --min-len 4
//	hsfan lambda-local --function words=./wordcount &   # the same binary as the worker
//	./wordcount --input s3://corpus/books/ --out s3://results/words --invoker local --function words
package main

import (
	"context"
	"encoding/binary"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strconv"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/hsfan/hsfan/jobs/mapreduce"
	"github.com/hsfan/hsfan/jobs/mapreduce/mrwork"
	"github.com/hsfan/hsfan/transport/awslambda"
	"github.com/hsfan/hsfan/worker"
)

// lowerWords is the job: map emits (lower-case word, 1) for words of at least min_len ASCII
// letters (other bytes separate words), combine and reduce sum the counts.
func lowerWords() mrwork.Definition {
	return mrwork.Definition{Name: "lowerwords", Doc: "case-insensitive word count of words of at least min_len letters",
		Params: map[string]string{"min_len": "1"},
		New: func(p map[string]string) (*mrwork.Funcs, error) {
			minLen, err := strconv.Atoi(p["min_len"])
			if err != nil || minLen < 1 {
				return nil, fmt.Errorf("min_len %q: want an integer >= 1", p["min_len"])
			}
			one := binary.LittleEndian.AppendUint64(nil, 1)
			var sum = func(dst, a, b []byte) ([]byte, error) {
				return binary.LittleEndian.AppendUint64(dst, binary.LittleEndian.Uint64(a)+binary.LittleEndian.Uint64(b)), nil
			}
			return &mrwork.Funcs{
				Map: func(rec []byte, out *mrwork.Emitter) error {
					var word [64]byte
					n := 0
					flush := func() {
						if n >= minLen && n <= len(word) {
							out.Emit(word[:n], one)
						}
						n = 0
					}
					for _, c := range rec {
						switch {
						case c >= 'A' && c <= 'Z':
							c += 'a' - 'A'
							fallthrough
						case c >= 'a' && c <= 'z':
							if n < len(word) {
								word[n] = c
							}
							n++
						default:
							flush()
						}
					}
					flush()
					return nil
				},
				Combine: sum,
				Reduce: func(key []byte, values [][]byte, out *mrwork.RowWriter) error {
					var n uint64
					for _, v := range values {
						n += binary.LittleEndian.Uint64(v)
					}
					out.String(key)
					out.Int64(int64(n))
					return out.EndRow()
				},
				Columns: []mrwork.ColumnSpec{{Name: "word", Kind: mrwork.String}, {Name: "count", Kind: mrwork.Int64}},
			}, nil
		}}
}

func init() {
	if err := mrwork.Register(lowerWords()); err != nil {
		panic(err)
	}
}

func main() {
	if os.Getenv("AWS_LAMBDA_RUNTIME_API") != "" {
		// The worker: the same handler as cmd/worker, with this binary's jobs registered.
		cfg, err := worker.ConfigFromEnv(os.Getenv)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		cfg.Tasks = mrwork.Tasks()
		lambda.Start(worker.NewHandler(cfg))
		return
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "wordcount:", err)
		os.Exit(1)
	}
}

type inputs []string

func (i *inputs) String() string     { return fmt.Sprint(*i) }
func (i *inputs) Set(s string) error { *i = append(*i, s); return nil }

// run is the driver.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("wordcount", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var in inputs
	fs.Var(&in, "input", "file:// or s3:// input URL (repeatable)")
	out := fs.String("out", "out", "output directory or s3://bucket/prefix")
	minLen := fs.Int("min-len", 1, "shortest word counted")
	reducers := fs.Int("reducers", 2, "reduce partitions")
	invoker := fs.String("invoker", "inproc", "inproc or local (hsfan lambda-local running this binary)")
	function := fs.String("function", "wordcount", "Lambda function name (--invoker local)")
	endpoint := fs.String("lambda-endpoint", "http://127.0.0.1:9001", "hsfan lambda-local address")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if len(in) == 0 {
		return errors.New("--input is required")
	}
	if *minLen < 1 || *reducers < 1 {
		return errors.New("--min-len and --reducers must be >= 1")
	}
	spec := mapreduce.Spec{Job: "lowerwords", Params: map[string]string{"min_len": strconv.Itoa(*minLen)},
		Inputs: in, Out: *out, Reducers: *reducers, Invoker: *invoker}
	var o mapreduce.Options
	switch *invoker {
	case "inproc":
	case "local":
		inv, err := awslambda.New(ctx, awslambda.Config{Function: *function, Endpoint: *endpoint, Region: "us-east-1",
			Credentials: aws.AnonymousCredentials{}, MaxConcurrency: 8})
		if err != nil {
			return err
		}
		o.Invoker = inv
		spec.Concurrency = 8
	default:
		return fmt.Errorf("--invoker %q: want inproc or local", *invoker)
	}
	res, err := mapreduce.Run(ctx, spec, o)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%d words (%d distinct) from %d records in %s\n", res.Emitted, res.Rows, res.Records, *out)
	return nil
}
