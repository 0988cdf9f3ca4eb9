package h5file

import (
	"bytes"
	"context"
	"fmt"
)

// Header message types (spec IV.A.2).
const (
	msgNil          = 0x00
	msgDataspace    = 0x01
	msgLinkInfo     = 0x02
	msgDatatype     = 0x03
	msgFillOld      = 0x04
	msgFill         = 0x05
	msgLink         = 0x06
	msgExternal     = 0x07
	msgLayout       = 0x08
	msgGroupInfo    = 0x0A
	msgFilters      = 0x0B
	msgAttribute    = 0x0C
	msgContinuation = 0x10
	msgSymbolTable  = 0x11
	msgAttrInfo     = 0x15
)

type message struct {
	typ   uint16
	flags uint8
	data  []byte
}

// readHeader reads every message of the object header at addr, following continuations.
func (f *File) readHeader(ctx context.Context, addr uint64) ([]message, error) {
	b, err := f.readUpTo(ctx, addr, 512)
	if err != nil {
		return nil, err
	}
	if len(b) >= 4 && bytes.Equal(b[:4], []byte("OHDR")) {
		return f.readHeaderV2(ctx, addr, b)
	}
	return f.readHeaderV1(ctx, addr, b)
}

type span struct{ addr, n uint64 }

func (f *File) readHeaderV1(ctx context.Context, addr uint64, b []byte) ([]message, error) {
	c := &cursor{b: b}
	if v := c.u8(); v != 1 {
		if c.err != nil {
			return nil, c.err
		}
		return nil, fmt.Errorf("object header version %d at %d: %w", v, addr, ErrFormat)
	}
	c.skip(1)
	nmsg := int(c.u16())
	c.skip(4)
	size := uint64(c.u32())
	if c.err != nil {
		return nil, c.err
	}
	var msgs []message
	todo := []span{{addr + 16, size}}
	seen := map[uint64]bool{}
	for len(todo) > 0 {
		s := todo[0]
		todo = todo[1:]
		if seen[s.addr] || len(seen) > maxHeaderBlocks {
			return nil, fmt.Errorf("object header at %d: continuation loop: %w", addr, ErrFormat)
		}
		seen[s.addr] = true
		blk, err := f.read(ctx, s.addr, int64(min(s.n, MaxMetadataRead+1)))
		if err != nil {
			return nil, fmt.Errorf("object header at %d: %w", addr, err)
		}
		bc := &cursor{b: blk}
		for bc.left() >= 8 {
			typ := bc.u16()
			n := int(bc.u16())
			flags := bc.u8()
			bc.skip(3)
			data := bc.bytes(n)
			if bc.err != nil {
				return nil, fmt.Errorf("object header at %d: message 0x%x: %w", addr, typ, bc.err)
			}
			if err := f.addMessage(addr, message{typ: typ, flags: flags, data: data}, &msgs, &todo); err != nil {
				return nil, err
			}
		}
	}
	_ = nmsg // counts may include NIL messages; the blocks are authoritative
	return msgs, nil
}

func (f *File) readHeaderV2(ctx context.Context, addr uint64, b []byte) ([]message, error) {
	c := &cursor{b: b, p: 4}
	if v := c.u8(); v != 2 {
		return nil, fmt.Errorf("object header version %d at %d: %w", v, addr, ErrFormat)
	}
	flags := c.u8()
	if flags&0x20 != 0 {
		c.skip(16)
	}
	if flags&0x10 != 0 {
		c.skip(4)
	}
	size0 := c.uint(1 << (flags & 3))
	if c.err != nil {
		return nil, fmt.Errorf("object header at %d: %w", addr, c.err)
	}
	tracked := flags&0x04 != 0
	var msgs []message
	todo := []span{{addr + uint64(c.p), size0}}
	first := true
	seen := map[uint64]bool{}
	for len(todo) > 0 {
		s := todo[0]
		todo = todo[1:]
		if seen[s.addr] || len(seen) > maxHeaderBlocks {
			return nil, fmt.Errorf("object header at %d: continuation loop: %w", addr, ErrFormat)
		}
		seen[s.addr] = true
		var blk []byte
		var err error
		if first {
			blk, err = f.read(ctx, s.addr, int64(min(s.n, MaxMetadataRead+1)))
		} else {
			// "OCHK" + messages + checksum.
			blk, err = f.read(ctx, s.addr, int64(min(s.n, MaxMetadataRead+1)))
			if err == nil {
				if len(blk) < 8 || !bytes.Equal(blk[:4], []byte("OCHK")) {
					return nil, fmt.Errorf("object header at %d: continuation block at %d: bad signature: %w", addr, s.addr, ErrFormat)
				}
				blk = blk[4 : len(blk)-4]
			}
		}
		if err != nil {
			return nil, fmt.Errorf("object header at %d: %w", addr, err)
		}
		first = false
		hdr := 4
		if tracked {
			hdr = 6
		}
		bc := &cursor{b: blk}
		for bc.left() >= hdr {
			typ := uint16(bc.u8())
			n := int(bc.u16())
			mflags := bc.u8()
			if tracked {
				bc.skip(2)
			}
			data := bc.bytes(n)
			if bc.err != nil {
				return nil, fmt.Errorf("object header at %d: message 0x%x: %w", addr, typ, bc.err)
			}
			if err := f.addMessage(addr, message{typ: typ, flags: mflags, data: data}, &msgs, &todo); err != nil {
				return nil, err
			}
		}
	}
	return msgs, nil
}

// addMessage appends one header message (v1 or v2 framing alike), charging the work budget,
// bounding the count and queueing the block a continuation message points at.
func (f *File) addMessage(addr uint64, m message, msgs *[]message, todo *[]span) error {
	if err := f.spend(1); err != nil {
		return err
	}
	if len(*msgs) >= maxMessages {
		return fmt.Errorf("object header at %d: more than %d messages: %w", addr, maxMessages, ErrFormat)
	}
	if m.typ == msgContinuation {
		cc := &cursor{b: m.data}
		ca, cn := cc.uint(f.SizeOffsets), cc.uint(f.SizeLengths)
		if cc.err != nil {
			return fmt.Errorf("object header at %d: continuation: %w", addr, cc.err)
		}
		*todo = append(*todo, span{ca, cn})
	}
	*msgs = append(*msgs, m)
	return nil
}
