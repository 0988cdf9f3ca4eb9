package schema

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// ErrInvalidKey is matched (errors.Is) by key parsing errors.
var ErrInvalidKey = errors.New("invalid key")

// primes used by HSDS chunk partitioning (chunkUtil.PRIMES).
var partitionPrimes = [10]int{29, 31, 37, 41, 43, 47, 53, 59, 61, 67}

// keyParts returns <A> = hex[0:8]-hex[8:16] and <B> = hex[16:20]-hex[20:26]-hex[26:32].
func keyParts(id string) (a, b string, err error) {
	h, err := idHex(id)
	if err != nil {
		return "", "", err
	}
	return string(h[0:8]) + "-" + string(h[8:16]),
		string(h[16:20]) + "-" + string(h[20:26]) + "-" + string(h[26:32]), nil
}

// ObjectKey returns the storage key of a group, dataset or committed
// datatype JSON object: "db/<A>/.group.json" for the root group,
// "db/<A>/g/<B>/.group.json", "db/<A>/d/<B>/.dataset.json" and
// "db/<A>/t/<B>/.datatype.json" otherwise.
func ObjectKey(id string) (string, error) {
	if err := ValidateID(id); err != nil {
		return "", fmt.Errorf("object key: %w", err)
	}
	a, b, err := keyParts(id)
	if err != nil {
		return "", fmt.Errorf("object key: %w", err)
	}
	switch id[0] {
	case KindGroup:
		if IsRootID(id) {
			return "db/" + a + "/.group.json", nil
		}
		return "db/" + a + "/g/" + b + "/.group.json", nil
	case KindDataset:
		return "db/" + a + "/d/" + b + "/.dataset.json", nil
	case KindDatatype:
		return "db/" + a + "/t/" + b + "/.datatype.json", nil
	}
	return "", fmt.Errorf("object key: %w", idErr(id, "chunks have no JSON object"))
}

// DatasetPrefix returns the directory prefix of a dataset, "db/<A>/d/<B>/",
// under which its .dataset.json and its chunks live. It returns "" for a
// malformed id.
func DatasetPrefix(dsetID string) string {
	a, b, err := keyParts(dsetID)
	if err != nil {
		return ""
	}
	return "db/" + a + "/d/" + b + "/"
}

// RootPrefix returns "db/<A>/", the prefix of every object of the domain
// whose root (or any object) id is given, or "" for a malformed id.
func RootPrefix(id string) string {
	a, _, err := keyParts(id)
	if err != nil {
		return ""
	}
	return "db/" + a + "/"
}

// InfoKey returns the key of the domain summary "db/<A>/.info.json".
func InfoKey(rootID string) string {
	p := RootPrefix(rootID)
	if p == "" {
		return ""
	}
	return p + ".info.json"
}

// Partition returns the partition number of a chunk index for a dataset with
// the given partition_count: sum(index[d]*PRIMES[d%10]) % count. It returns
// -1 when partitioning is off (count < 2).
func Partition(index []int, partitionCount int) int {
	if partitionCount < 2 {
		return -1
	}
	p := 0
	for d, v := range index {
		p = (p + (v%partitionCount)*(partitionPrimes[d%len(partitionPrimes)]%partitionCount)) % partitionCount
	}
	return p
}

// IndexString formats a chunk index as "i_j_k"; a rank-0 index (scalar
// dataset) is "0".
func IndexString(index []int) string {
	if len(index) == 0 {
		return "0"
	}
	var b strings.Builder
	for i, v := range index {
		if i > 0 {
			b.WriteByte('_')
		}
		b.WriteString(strconv.Itoa(v))
	}
	return b.String()
}

// ChunkKey returns the key of a chunk: "db/<A>/d/<B>/i_j_k", or
// "db/<A>/d/<B>/p<P>/i_j_k" when partitionCount >= 2. Scalar datasets use
// index [0] (or an empty index), i.e. key ".../0". It returns "" for a
// malformed dataset id.
func ChunkKey(dsetID string, index []int, partitionCount int) string {
	prefix := DatasetPrefix(dsetID)
	if prefix == "" {
		return ""
	}
	if p := Partition(index, partitionCount); p >= 0 {
		prefix += "p" + strconv.Itoa(p) + "/"
	}
	return prefix + IndexString(index)
}

// ParseChunkKey parses a chunk key made by ChunkKey into the dataset id and
// chunk index. The partition directory, if any, is returned as well (-1 when
// absent).
func ParseChunkKey(key string) (dsetID string, index []int, partition int, err error) {
	bad := func(why string) error {
		return fmt.Errorf("%w %q: %s", ErrInvalidKey, truncate(key, 120), why)
	}
	parts := strings.Split(key, "/")
	if len(parts) != 5 && len(parts) != 6 {
		return "", nil, -1, bad("want db/<A>/d/<B>/[p<P>/]<index>")
	}
	if parts[0] != "db" || parts[2] != "d" {
		return "", nil, -1, bad("not under db/<A>/d/")
	}
	partition = -1
	if len(parts) == 6 {
		p := parts[4]
		if len(p) < 2 || p[0] != 'p' {
			return "", nil, -1, bad("bad partition directory")
		}
		v, perr := parseNonNeg(p[1:])
		if perr != nil {
			return "", nil, -1, bad("bad partition number")
		}
		partition = v
	}
	a, b := parts[1], parts[3]
	if len(a) != 17 || len(b) != 18 {
		return "", nil, -1, bad("bad id directories")
	}
	dsetID = "d-" + a + "-" + b
	if _, err := idHex(dsetID); err != nil {
		return "", nil, -1, bad("bad id directories")
	}
	index, err = parseIndex(parts[len(parts)-1])
	if err != nil {
		return "", nil, -1, bad(err.Error())
	}
	return dsetID, index, partition, nil
}

// DomainKey returns the key of a domain's .domain.json:
// "/home/u/f.h5" -> "home/u/f.h5/.domain.json". The path is validated with
// ValidateDomainPath.
func DomainKey(path string) (string, error) {
	if err := ValidateDomainPath(path); err != nil {
		return "", fmt.Errorf("domain key: %w", err)
	}
	return strings.TrimPrefix(path, "/") + "/.domain.json", nil
}

// DomainFromKey is the inverse of DomainKey: "home/u/f.h5/.domain.json" ->
// "/home/u/f.h5".
func DomainFromKey(key string) (string, error) {
	const suffix = "/.domain.json"
	if !strings.HasSuffix(key, suffix) {
		return "", fmt.Errorf("%w %q: not a .domain.json key", ErrInvalidKey, truncate(key, 120))
	}
	p := "/" + strings.TrimPrefix(strings.TrimSuffix(key, suffix), "/")
	if err := ValidateDomainPath(p); err != nil {
		return "", fmt.Errorf("domain from key: %w", err)
	}
	return p, nil
}
