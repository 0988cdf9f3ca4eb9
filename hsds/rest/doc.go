// Package rest serves the HDF REST API as HSDS 0.9.4 does, over an hsds/store.Store: domains
// and folders, groups and links, datasets and their values, attributes, committed datatypes and
// ACLs, with HSDS's status codes, headers, HTTP Basic auth and ACL checks.
//
// [Server] is an http.Handler. [HandleLambdaEvent] runs HSDS Lambda events and API Gateway
// HTTP API v2 events through the same handler and answers with HSDS's Lambda envelope.
//
// Objects, links, attributes and domains deleted during the server's lifetime answer 410 Gone,
// as HSDS's in-memory tombstones do; a fresh server answers 404 for them. Objects deleted by
// another server on the same store (HSDS itself) answer 404 here: HSDS 0.9.4 keeps its
// tombstones only in its data nodes' memory (datanode_lib.py delete_metadata_obj adds the id to
// app["deleted_ids"] and removes .dataset.json and the chunks; nothing is left on disk), so a
// deleted id cannot be told from one never made, and HSDS too answers 404 after a restart
// (checked by hand against 0.9.4: 410 before its restart, 404 after).
package rest
