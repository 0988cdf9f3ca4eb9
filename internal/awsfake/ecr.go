package awsfake

import (
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"strings"
)

// repo is one ECR repository with its tagged images (tag -> digest).
type repo struct {
	name   string
	images map[string]string
}

// RegistryHostIn is the fake account's ECR registry in region (ACCOUNT.dkr.ecr.REGION.amazonaws.com).
func RegistryHostIn(region string) string { return Account + ".dkr.ecr." + region + ".amazonaws.com" }

// RegistryHost is the fake account's ECR registry in the fake's region.
func (f *Fake) RegistryHost() string { return RegistryHostIn(f.region()) }

func (f *Fake) repoJSON(rp *repo) map[string]any {
	return map[string]any{"repositoryArn": f.arnFor("ecr", "repository/"+rp.name), "registryId": Account,
		"repositoryName": rp.name, "repositoryUri": f.RegistryHost() + "/" + rp.name, "createdAt": 1767225600,
		"imageTagMutability": "MUTABLE"}
}

// PushImage stands for `docker push`: it tags digest as tag in the repository (created if absent).
func (f *Fake) PushImage(repository, tag, digest string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	rp := f.repos[repository]
	if rp == nil {
		rp = &repo{name: repository, images: map[string]string{}}
		f.repos[repository] = rp
	}
	rp.images[tag] = digest
}

// resolve is Lambda's ResolvedImageUri: the image by digest when the fake registry has its tag.
func (f *Fake) resolve(uri string) string {
	rest, ok := strings.CutPrefix(uri, f.RegistryHost()+"/")
	if !ok {
		return uri
	}
	name, tag, _ := strings.Cut(rest, ":")
	if d := f.digest(name, tag); d != "" {
		return f.RegistryHost() + "/" + name + "@" + d
	}
	return uri
}

// digest is the digest of name:tag in the fake registry ("" if absent); with AssumeImages every
// tag of an existing repository has one, made from its name.
func (f *Fake) digest(name, tag string) string {
	rp := f.repos[name]
	if rp == nil {
		return ""
	}
	if d := rp.images[tag]; d != "" {
		return d
	}
	if f.AssumeImages {
		return fmt.Sprintf("sha256:%x", sha256.Sum256([]byte(name+":"+tag)))
	}
	return ""
}

func (f *Fake) serveECR(w http.ResponseWriter, r *http.Request) {
	target := r.Header.Get("X-Amz-Target")
	op, ok := strings.CutPrefix(target, "AmazonEC2ContainerRegistry_V20150921.")
	if !ok {
		jsonError(w, 400, "UnknownOperationException", "awsfake: X-Amz-Target "+target)
		return
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		jsonError(w, 400, "SerializationException", err.Error())
		return
	}
	in, params, err := bodyParams(body)
	if err != nil {
		jsonError(w, 400, "SerializationException", err.Error())
		return
	}
	f.record("ecr", op, params)
	if f.denied("ecr:" + op) {
		jsonError(w, 400, "AccessDeniedException", fmt.Sprintf("User: arn:aws:iam::%s:user/test is not authorized to perform: ecr:%s", Account, op))
		return
	}
	name, _ := in["repositoryName"].(string)
	if names, ok := in["repositoryNames"].([]any); ok && len(names) == 1 {
		name, _ = names[0].(string)
	}
	rp := f.repos[name]
	notFound := func() {
		jsonError(w, 400, "RepositoryNotFoundException", fmt.Sprintf("The repository with name '%s' does not exist in the registry with id '%s'", name, Account))
	}
	switch op {
	case "DescribeRepositories":
		if rp == nil {
			notFound()
			return
		}
		jsonOK(w, 200, map[string]any{"repositories": []any{f.repoJSON(rp)}})
	case "CreateRepository":
		if rp != nil {
			jsonError(w, 400, "RepositoryAlreadyExistsException", fmt.Sprintf("The repository with name '%s' already exists in the registry with id '%s'", name, Account))
			return
		}
		rp = &repo{name: name, images: map[string]string{}}
		f.repos[name] = rp
		jsonOK(w, 200, map[string]any{"repository": f.repoJSON(rp)})
	case "DeleteRepository":
		if rp == nil {
			notFound()
			return
		}
		if force, _ := in["force"].(bool); len(rp.images) > 0 && !force {
			jsonError(w, 400, "RepositoryNotEmptyException", fmt.Sprintf("The repository with name '%s' in registry with id '%s' cannot be deleted because it still contains images", name, Account))
			return
		}
		delete(f.repos, name)
		jsonOK(w, 200, map[string]any{"repository": f.repoJSON(rp)})
	case "DescribeImages":
		if rp == nil {
			notFound()
			return
		}
		ids, _ := in["imageIds"].([]any)
		var details []any
		for _, id := range ids {
			idm, _ := id.(map[string]any)
			tag, _ := idm["imageTag"].(string)
			d := f.digest(name, tag)
			if d == "" {
				jsonError(w, 400, "ImageNotFoundException", fmt.Sprintf("The image with imageId {imageDigest:'null', imageTag:'%s'} does not exist within the repository with name '%s' in the registry with id '%s'", tag, name, Account))
				return
			}
			details = append(details, map[string]any{"registryId": Account, "repositoryName": name, "imageDigest": d, "imageTags": []string{tag}, "imagePushedAt": 1767225600})
		}
		jsonOK(w, 200, map[string]any{"imageDetails": details})
	case "GetAuthorizationToken":
		tok := base64.StdEncoding.EncodeToString([]byte("AWS:fake-password"))
		jsonOK(w, 200, map[string]any{"authorizationData": []any{map[string]any{"authorizationToken": tok,
			"expiresAt": 1767268800, "proxyEndpoint": "https://" + f.RegistryHost()}}})
	default:
		jsonError(w, 400, "UnknownOperationException", "awsfake: ECR operation "+op+" is not modelled")
	}
}
