package h5type_test

import (
	"encoding/json"
	"fmt"

	"github.com/hsfan/hsfan/hsds/h5type"
)

func Example() {
	typ, err := h5type.Parse(json.RawMessage(`{"class":"H5T_COMPOUND","fields":[
		{"name":"a","type":"H5T_STD_I16LE"},{"name":"b","type":"H5T_IEEE_F32LE"},
		{"name":"s","type":{"class":"H5T_STRING","charSet":"H5T_CSET_ASCII","strPad":"H5T_STR_NULLPAD","length":3}}]}`))
	if err != nil {
		panic(err)
	}
	b, err := typ.EncodeValue([]any{[]any{1, 1.5, "ab"}, []any{-2, 2.5, "xyz"}}, []int{2})
	if err != nil {
		panic(err)
	}
	fmt.Printf("%d bytes/element: %x\n", typ.Size(), b)
	v, err := typ.DecodeValue(b, []int{2})
	if err != nil {
		panic(err)
	}
	out, _ := h5type.MarshalValueJSON(v, false)
	fmt.Println(string(out))
	// Output:
	// 9 bytes/element: 01000000c03f616200feff0000204078797a
	// [[1, 1.5, "ab"], [-2, 2.5, "xyz"]]
}
