package locallambda

import (
	"regexp"
	"strings"
	"testing"
)

func TestParseFunctionRef(t *testing.T) {
	tests := []struct {
		ref, name, qual string
		wantErr         bool
	}{
		{"echo", "echo", "", false},
		{"my_fn-2", "my_fn-2", "", false},
		{"echo:$LATEST", "echo", "$LATEST", false},
		{"echo:7", "echo", "7", false},
		{"echo:live", "echo", "live", false},
		{"arn:aws:lambda:us-east-1:123456789012:function:echo", "echo", "", false},
		{"arn:aws:lambda:us-east-1:123456789012:function:echo:prod", "echo", "prod", false},
		{"arn:aws-cn:lambda:cn-north-1:123456789012:function:echo", "echo", "", false},
		{"123456789012:function:echo", "echo", "", false},
		{"123456789012:function:echo:3", "echo", "3", false},
		{"", "", "", true},
		{"echo:", "", "", true},
		{"ec ho", "", "", true},
		{"echo:a:b", "", "", true},
		{"echo:$NOPE", "", "", true},
		{strings.Repeat("a", 65), "", "", true},
		{"arn:aws:s3:us-east-1:123456789012:function:echo", "", "", true},
		{"arn:aws:lambda:us-east-1:123456789012:layer:echo", "", "", true},
		{"arn:aws:lambda:us-east-1:123456789012:function:echo:1:2", "", "", true},
		{"123456789012:function:echo:1:2", "", "", true},
		{"arn::lambda::0:function", "", "", true},
		{"123456789012:function:", "", "", true},
		{strings.Repeat(":", 200), "", "", true},
	}
	for _, tt := range tests {
		t.Run(tt.ref, func(t *testing.T) {
			name, qual, err := parseFunctionRef(tt.ref)
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, want error %v", err, tt.wantErr)
			}
			if name != tt.name || qual != tt.qual {
				t.Errorf("got (%q, %q), want (%q, %q)", name, qual, tt.name, tt.qual)
			}
		})
	}
}

func FuzzParseFunctionRef(f *testing.F) {
	for _, s := range []string{"echo", "echo:1", "arn:aws:lambda:r:1:function:echo:q", "1:function:x", ":::", "arn:::::::::"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, ref string) {
		name, qual, err := parseFunctionRef(ref)
		if err != nil {
			return
		}
		if validateFunctionName(name) != nil {
			t.Fatalf("accepted invalid name %q from %q", name, ref)
		}
		if qual != "" && validateQualifier(qual) != nil {
			t.Fatalf("accepted invalid qualifier %q from %q", qual, ref)
		}
		if !strings.Contains(ref, name) {
			t.Fatalf("name %q not in %q", name, ref)
		}
	})
}

func TestNewRequestID(t *testing.T) {
	re := regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	seen := map[string]bool{}
	for i := 0; i < 100; i++ {
		id := newRequestID()
		if !re.MatchString(id) || seen[id] {
			t.Fatalf("bad or repeated id %q", id)
		}
		seen[id] = true
	}
}
