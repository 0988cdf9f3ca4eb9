//go:build amd64 && !purego

#include "textflag.h"

// Weights 32, 31, ..., 1 of the bytes 0..31 of a block.
DATA adlerWeights<>+0(SB)/8, $0x191a1b1c1d1e1f20
DATA adlerWeights<>+8(SB)/8, $0x1112131415161718
DATA adlerWeights<>+16(SB)/8, $0x090a0b0c0d0e0f10
DATA adlerWeights<>+24(SB)/8, $0x0102030405060708
GLOBL adlerWeights<>(SB), RODATA|NOPTR, $32

// Sixteen 16-bit ones (vpmaddwd adds pairs of 16-bit lanes into 32-bit lanes).
DATA adlerOnes<>+0(SB)/8, $0x0001000100010001
DATA adlerOnes<>+8(SB)/8, $0x0001000100010001
DATA adlerOnes<>+16(SB)/8, $0x0001000100010001
DATA adlerOnes<>+24(SB)/8, $0x0001000100010001
GLOBL adlerOnes<>(SB), RODATA|NOPTR, $32

// func adler32AVX2(p *byte, n int, acc *[24]uint32)
TEXT ·adler32AVX2(SB), NOSPLIT, $0-24
	MOVQ p+0(FP), SI
	MOVQ n+8(FP), CX
	MOVQ acc+16(FP), DI
	VPXOR Y0, Y0, Y0 // s1 lanes
	VPXOR Y1, Y1, Y1 // P lanes
	VPXOR Y2, Y2, Y2 // W lanes
	VPXOR Y7, Y7, Y7 // zero
	VMOVDQU adlerWeights<>(SB), Y5
	VMOVDQU adlerOnes<>(SB), Y6

loop:
	VMOVDQU    (SI), Y3
	VPADDD     Y0, Y1, Y1 // P += the byte sums so far
	VPSADBW    Y7, Y3, Y4 // four 64-bit sums of 8 bytes each
	VPADDD     Y4, Y0, Y0
	VPMADDUBSW Y5, Y3, Y4 // bytes (unsigned) x weights, adjacent pairs added: 16 x 16 bits
	VPMADDWD   Y6, Y4, Y4 // adjacent pairs added: 8 x 32 bits
	VPADDD     Y4, Y2, Y2
	ADDQ       $32, SI
	DECQ       CX
	JNZ        loop

	VMOVDQU Y0, (DI)
	VMOVDQU Y1, 32(DI)
	VMOVDQU Y2, 64(DI)
	VZEROUPPER
	RET
