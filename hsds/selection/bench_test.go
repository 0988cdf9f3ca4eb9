package selection

import "testing"

// go test -run=^$ -bench=. -benchmem ./hsds/selection

func BenchmarkCopyOutFullChunkInt16(b *testing.B) {
	dims := []int{365, 720, 1440}
	chunk := []int{1, 720, 1440}
	s, err := Parse("[7,:,:]", dims)
	if err != nil {
		b.Fatal(err)
	}
	buf := make([]byte, 720*1440*2)
	out := make([]byte, s.Count()*2)
	b.SetBytes(int64(len(buf)))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := CopyOut(out, s, buf, []int{7, 0, 0}, chunk, 2); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkCopyOutColumnFloat32(b *testing.B) {
	dims := []int{25, 160, 160}
	chunk := []int{25, 160, 160}
	s, err := Parse("[:,80,81]", dims)
	if err != nil {
		b.Fatal(err)
	}
	buf := make([]byte, 25*160*160*4)
	out := make([]byte, s.Count()*4)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := CopyOut(out, s, buf, []int{0, 0, 0}, chunk, 4); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkCopyOutSubBlockFloat32(b *testing.B) {
	dims := []int{100, 1000, 1000}
	chunk := []int{10, 100, 100}
	s, err := Parse("[5:25,50:250:2,13:190]", dims)
	if err != nil {
		b.Fatal(err)
	}
	buf := make([]byte, 10*100*100*4)
	out := make([]byte, s.Count()*4)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := CopyOut(out, s, buf, []int{1, 1, 1}, chunk, 4); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkGridEnumerateMillion(b *testing.B) {
	s := All([]int{1000, 1000})
	g := s.Grid([]int{1, 1})
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		var sum int
		for _, idx := range g.Chunks(0, g.Count()) {
			sum += idx[1]
		}
		if sum == 0 {
			b.Fatal("empty")
		}
	}
}
