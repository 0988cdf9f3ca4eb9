package output

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"time"

	"golang.org/x/sync/errgroup"
)

// Meta keys that choose the plotted columns (string values).
const (
	MetaPlotX = "plot_x"
	MetaPlotY = "plot_y"
)

// WriteOutputs writes <name>.arrow, <name>.json, <name>.png and <name>.svg
// when plot is true (RenderPlot: the kind from t.Meta["plot_kind"]), and last
// manifest.json (m with Outputs filled in) to sink.
//
// Every file is rendered in memory before anything is written. If the sink
// can remove files ([Remover]), a stale manifest.json is removed first and,
// on failure, the files already written are removed again, so a failed
// call never leaves a directory that looks complete.
//
// The plot shows t.Meta["plot_y"] against t.Meta["plot_x"] when set, else
// the first numeric column after the first column against the first
// column (against the row index when the table has one column).
func WriteOutputs(ctx context.Context, sink Sink, name string, t Table, m Manifest, plot bool) (err error) {
	return WriteOutputsWith(ctx, sink, name, t, m, WriteOptions{Plot: plot})
}

// WriteOptions choose the optional outputs of [WriteOutputsWith].
type WriteOptions struct {
	// Plot writes <name>.png and <name>.svg; TSV writes <name>.tsv ([WriteTSV]).
	Plot, TSV bool
}

// WriteOutputsWith is [WriteOutputs] with the optional outputs chosen by opts; the manifest is
// still written last.
func WriteOutputsWith(ctx context.Context, sink Sink, name string, t Table, m Manifest, opts WriteOptions) (err error) {
	plot := opts.Plot
	started := time.Now()
	if err := checkName(name + ".arrow"); err != nil {
		return fmt.Errorf("write outputs: %w", err)
	}
	if name+".json" == ManifestName {
		return fmt.Errorf("write outputs: name %q collides with %s", name, ManifestName)
	}
	if err := t.Validate(); err != nil {
		return fmt.Errorf("write outputs: %w", err)
	}
	var x, y string
	if plot { // a table that cannot be plotted is refused before anything is touched
		if x, y, err = plotColumns(t); err != nil {
			return fmt.Errorf("write outputs: %w", err)
		}
	}
	// The stale manifest goes first: from here until the new manifest is written, nothing in the
	// sink looks complete.
	rm, canRemove := sink.(Remover)
	if canRemove {
		if err := rm.Remove(ctx, ManifestName); err != nil {
			return fmt.Errorf("write outputs: remove stale manifest: %w", err)
		}
	}
	var written []string
	defer func() {
		if err == nil || !canRemove {
			return
		}
		// best effort: leave nothing that looks complete; ctx may be done.
		for _, n := range written {
			if rerr := rm.Remove(context.WithoutCancel(ctx), n); rerr != nil {
				err = errors.Join(err, fmt.Errorf("clean up %s: %w", n, rerr))
			}
		}
	}()
	m.Outputs = nil
	// emit writes one rendered file and records it in the manifest. Into a sink that cannot
	// stream, each format is rendered and written in turn and its bytes dropped, so that at most
	// one rendering is held at a time next to the table (the peak memory of a large map-reduce
	// table); a StreamSink gets the formats rendered side by side, none held in memory.
	emit := func(fname string, data []byte) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		sum := sha256.Sum256(data)
		if err := sink.WriteFile(ctx, fname, data); err != nil {
			return err
		}
		written = append(written, fname)
		m.Outputs = append(m.Outputs, OutputFile{Name: fname, Bytes: len(data), SHA256: hex.EncodeToString(sum[:])})
		return nil
	}
	renders := []renderer{
		{".arrow", func(w io.Writer, t Table) error { return WriteArrow(w, t, nil) }},
		{".json", WriteJSON},
	}
	if opts.TSV {
		renders = append(renders, renderer{".tsv", WriteTSV})
	}
	if ss, ok := sink.(StreamSink); ok {
		// Each format is rendered straight into its file, side by side: no rendering is held
		// in memory, and the formats share the cores.
		files, err := renderStreams(ctx, ss, name, t, renders)
		for _, f := range files {
			if f.Name != "" {
				written = append(written, f.Name)
			}
		}
		if err != nil {
			return fmt.Errorf("write outputs: %w", err)
		}
		m.Outputs = append(m.Outputs, files...)
	} else {
		for _, r := range renders {
			var buf bytes.Buffer
			if err := r.render(&buf, t); err != nil {
				return fmt.Errorf("write outputs: %w", err)
			}
			if err := emit(name+r.ext, buf.Bytes()); err != nil {
				return fmt.Errorf("write outputs: %w", err)
			}
		}
	}
	if plot {
		for _, format := range []string{"png", "svg"} {
			b, err := RenderPlot(t, x, y, format)
			if err != nil {
				return fmt.Errorf("write outputs: %w", err)
			}
			if err := emit(name+"."+format, b); err != nil {
				return fmt.Errorf("write outputs: %w", err)
			}
		}
	}
	if m.ManifestVersion == 0 {
		m.ManifestVersion = ManifestVersion
	}
	// The manifest records the time spent rendering and writing the other files (its own
	// write comes after the measurement) and ends the run's timings there.
	end := time.Now()
	m.Timings.WriteSeconds = end.Sub(started).Seconds()
	if !m.Timings.Start.IsZero() {
		m.Timings.End = end.UTC()
		m.Timings.WallSeconds = end.Sub(m.Timings.Start).Seconds()
	}
	mdata, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return fmt.Errorf("write outputs: encode manifest: %w", err)
	}
	if err := sink.WriteFile(ctx, ManifestName, append(mdata, '\n')); err != nil {
		return fmt.Errorf("write outputs: %w", err)
	}
	return nil
}

// renderer renders a table in one format, named by its file extension.
type renderer struct {
	ext    string
	render func(io.Writer, Table) error
}

// renderStreams renders t in every format of renders at once, each in its own goroutine
// straight into a file of sink (Create, Commit), hashing the bytes on the way. It returns the
// files in the order of renders; on an error, the entries of the files that were committed
// (the others are aborted: nothing of them is left) and the first error.
func renderStreams(ctx context.Context, sink StreamSink, name string, t Table, renders []renderer) ([]OutputFile, error) {
	files := make([]OutputFile, len(renders))
	// The group's context ends at the first error: the other formats stop and are aborted, and
	// Wait returns that first error (the cancellations it caused come after it).
	g, ctx := errgroup.WithContext(ctx)
	for i, r := range renders {
		g.Go(func() error {
			fname := name + r.ext
			fw, err := sink.Create(ctx, fname)
			if err != nil {
				return err
			}
			hw := &hashWriter{w: fw, h: sha256.New(), ctx: ctx}
			if err := r.render(hw, t); err != nil {
				fw.Abort()
				return err
			}
			if err := ctx.Err(); err != nil {
				fw.Abort()
				return err
			}
			if err := fw.Commit(); err != nil {
				return err
			}
			files[i] = OutputFile{Name: fname, Bytes: int(hw.n), SHA256: hex.EncodeToString(hw.h.Sum(nil))}
			return nil
		})
	}
	return files, g.Wait()
}

// hashWriter passes bytes on to w, counting and hashing them; it stops with ctx's error once
// ctx is done (another format failed).
type hashWriter struct {
	w   io.Writer
	h   hash.Hash
	n   int64
	ctx context.Context
}

func (hw *hashWriter) Write(p []byte) (int, error) {
	if err := hw.ctx.Err(); err != nil {
		return 0, err
	}
	hw.h.Write(p)
	n, err := hw.w.Write(p)
	hw.n += int64(n)
	return n, err
}

// plotColumns picks the plotted columns (see WriteOutputs).
func plotColumns(t Table) (x, y string, err error) {
	x, y = metaString(t.Meta, MetaPlotX, ""), metaString(t.Meta, MetaPlotY, "")
	if y != "" {
		return x, y, nil
	}
	if len(t.Columns) == 1 {
		if t.Columns[0].Kind() == KindString {
			return "", "", errors.New("plot: no numeric column")
		}
		return "", t.Columns[0].Name, nil
	}
	if x == "" {
		x = t.Columns[0].Name
	}
	for _, c := range t.Columns {
		if c.Name != x && c.Kind() != KindString {
			return x, c.Name, nil
		}
	}
	return "", "", errors.New("plot: no numeric column to plot")
}
