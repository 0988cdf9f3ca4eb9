package output

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"
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
	type file struct {
		name string
		data []byte
	}
	// The formats are rendered side by side (each a pass over every row).
	renders := []struct {
		ext    string
		render func(io.Writer, Table) error
	}{
		{".arrow", func(w io.Writer, t Table) error { return WriteArrow(w, t, nil) }},
		{".json", WriteJSON},
	}
	if opts.TSV {
		renders = append(renders, struct {
			ext    string
			render func(io.Writer, Table) error
		}{".tsv", WriteTSV})
	}
	rendered := make([]file, len(renders))
	errs := make([]error, len(renders))
	var wg sync.WaitGroup
	for i, r := range renders {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var buf bytes.Buffer
			errs[i] = r.render(&buf, t)
			rendered[i] = file{name + r.ext, buf.Bytes()}
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("write outputs: %w", err)
	}
	var files []file
	files = append(files, rendered...)
	if plot {
		x, y, err := plotColumns(t)
		if err != nil {
			return fmt.Errorf("write outputs: %w", err)
		}
		for _, format := range []string{"png", "svg"} {
			b, err := RenderPlot(t, x, y, format)
			if err != nil {
				return fmt.Errorf("write outputs: %w", err)
			}
			files = append(files, file{name + "." + format, b})
		}
	}
	m.Outputs = nil
	for _, f := range files {
		sum := sha256.Sum256(f.data)
		m.Outputs = append(m.Outputs, OutputFile{Name: f.name, Bytes: len(f.data), SHA256: hex.EncodeToString(sum[:])})
	}
	if m.ManifestVersion == 0 {
		m.ManifestVersion = ManifestVersion
	}

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
	for _, f := range files {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("write outputs: %w", err)
		}
		if err := sink.WriteFile(ctx, f.name, f.data); err != nil {
			return fmt.Errorf("write outputs: %w", err)
		}
		written = append(written, f.name)
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
