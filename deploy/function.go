package deploy

import (
	"context"
	"encoding/base64"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecr"
	ecrtypes "github.com/aws/aws-sdk-go-v2/service/ecr/types"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	ltypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

// FunctionConfig is the worker function as it should be.
type FunctionConfig struct {
	// Name is the function name; the ECR repository has the same name unless Repository is set.
	Name string
	// ImageURI, when set, is the image to run (any registry Lambda can pull from); no ECR call is
	// made. Otherwise the image is Repository:Tag in the account's ECR registry.
	ImageURI   string
	Repository string
	Tag        string
	// Push, when set, pushes LocalImage to the ECR repository (after GetAuthorizationToken).
	Push       Pusher
	LocalImage string
	// RoleARN is the execution role; when empty, the role RoleName of the caller's account.
	RoleARN  string
	RoleName string
	// MemoryMB (128-10240), TimeoutS (1-900) and Arch ("arm64" or "x86_64") of the function.
	MemoryMB int32
	TimeoutS int32
	Arch     string
	// Env is the function's whole environment (HSFAN_STORE, HSFAN_BUCKET, ...).
	Env map[string]string
	// Reserved is the reserved concurrency; 0 removes a reservation.
	Reserved int32
	// EFSAccessPoint (an access point ARN) mounted at MountPath (/mnt/NAME) needs SubnetIDs and
	// SecurityGroupIDs that reach the file system's mount targets.
	EFSAccessPoint   string
	MountPath        string
	SubnetIDs        []string
	SecurityGroupIDs []string
}

// Pusher pushes a local image to a registry with the credentials of ECR's authorization token
// (the CLI runs `docker login`, `docker tag` and `docker push`).
type Pusher interface {
	Push(ctx context.Context, registry, user, password, local, remote string) error
}

// FunctionResult says what Function did.
type FunctionResult struct {
	ARN, ImageURI string
	Created       bool
	Changed       []string // "code", "configuration", "concurrency"
}

// Check validates c before any AWS call; the errors name the field and the allowed values.
func (c FunctionConfig) Check() error {
	switch {
	case c.Name == "":
		return fmt.Errorf("deploy function: empty function name")
	case c.ImageURI == "" && c.Tag == "":
		return fmt.Errorf("deploy function: no image: give an image tag in the ECR repository or an image URI")
	case c.ImageURI != "" && c.Push != nil:
		return fmt.Errorf("deploy function: --push pushes to the function's ECR repository: it cannot be combined with --image-uri")
	case c.RoleARN == "" && c.RoleName == "":
		return fmt.Errorf("deploy function: no execution role: give a role name or ARN (hsfan deploy role creates one)")
	case c.MemoryMB < 128 || c.MemoryMB > 10240:
		return fmt.Errorf("deploy function: memory %d MB: want 128 to 10240", c.MemoryMB)
	case c.TimeoutS < 1 || c.TimeoutS > 900:
		return fmt.Errorf("deploy function: timeout %d s: want 1 to 900", c.TimeoutS)
	case c.Arch != "arm64" && c.Arch != "x86_64":
		return fmt.Errorf("deploy function: architecture %q: want arm64 or x86_64", c.Arch)
	case c.Reserved < 0:
		return fmt.Errorf("deploy function: reserved concurrency %d: want 0 (none) or more", c.Reserved)
	}
	if c.EFSAccessPoint != "" || c.MountPath != "" {
		if !strings.HasPrefix(c.EFSAccessPoint, "arn:aws:elasticfilesystem:") || !strings.Contains(c.EFSAccessPoint, ":access-point/") {
			return fmt.Errorf("deploy function: EFS access point %q: want an access point ARN (arn:aws:elasticfilesystem:REGION:ACCOUNT:access-point/fsap-...)", c.EFSAccessPoint)
		}
		if rest, ok := strings.CutPrefix(c.MountPath, "/mnt/"); !ok || rest == "" || strings.Contains(rest, "/") {
			return fmt.Errorf("deploy function: mount path %q: Lambda mounts file systems at /mnt/NAME", c.MountPath)
		}
		if len(c.SubnetIDs) == 0 || len(c.SecurityGroupIDs) == 0 {
			return fmt.Errorf("deploy function: an EFS file system needs the function in a VPC: give the subnet ids and security group ids that reach its mount targets")
		}
	}
	return nil
}

// accountID returns the caller's account.
func accountID(ctx context.Context, cl Clients) (string, error) {
	out, err := cl.STS.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		return "", awsError("sts", "GetCallerIdentity", "caller", err)
	}
	return aws.ToString(out.Account), nil
}

// Function creates or updates the function from its image and waits until it is active and its
// last update done (the SDK's FunctionActiveV2 and FunctionUpdatedV2 waiters).
func Function(ctx context.Context, cl Clients, o Options, c FunctionConfig) (FunctionResult, error) {
	if err := c.Check(); err != nil {
		return FunctionResult{}, err
	}
	account, err := accountID(ctx, cl)
	if err != nil {
		return FunctionResult{}, err
	}
	image, digest := c.ImageURI, ""
	if image == "" {
		if image, digest, err = ensureImage(ctx, cl, o, c); err != nil {
			return FunctionResult{}, err
		}
	}
	role := c.RoleARN
	if role == "" {
		role = roleARN(account, c.RoleName)
	}
	res := FunctionResult{ImageURI: image}
	got, err := cl.Lambda.GetFunction(ctx, &lambda.GetFunctionInput{FunctionName: aws.String(c.Name)})
	switch {
	case isCode(err, "ResourceNotFoundException"):
		if res.ARN, err = createFunction(ctx, cl, o, c, image, role); err != nil {
			return res, err
		}
		res.Created = true
		if c.Reserved > 0 {
			if err := putConcurrency(ctx, cl, o, c); err != nil {
				return res, err
			}
		}
		return res, nil
	case err != nil:
		return res, awsError("lambda", "GetFunction", c.Name, err)
	}
	res.ARN = aws.ToString(got.Configuration.FunctionArn)
	if got.Configuration.LastUpdateStatus == ltypes.LastUpdateStatusInProgress || got.Configuration.State == ltypes.StatePending {
		if err := waitUpdated(ctx, cl, o, c.Name); err != nil {
			return res, err
		}
	}
	if codeDiffers(got, image, digest, c.Arch) {
		_, err := cl.Lambda.UpdateFunctionCode(ctx, &lambda.UpdateFunctionCodeInput{FunctionName: aws.String(c.Name),
			ImageUri: aws.String(image), Architectures: []ltypes.Architecture{ltypes.Architecture(c.Arch)}})
		if err != nil {
			return res, awsError("lambda", "UpdateFunctionCode", c.Name, err)
		}
		if err := waitUpdated(ctx, cl, o, c.Name); err != nil {
			return res, err
		}
		res.Changed = append(res.Changed, "code")
		o.say("updated the code of function %s to %s", c.Name, image)
	}
	if configDiffers(got.Configuration, c, role) {
		in := &lambda.UpdateFunctionConfigurationInput{FunctionName: aws.String(c.Name), Role: aws.String(role),
			MemorySize: aws.Int32(c.MemoryMB), Timeout: aws.Int32(c.TimeoutS), Environment: &ltypes.Environment{Variables: envOrEmpty(c.Env)}}
		in.FileSystemConfigs, in.VpcConfig = fileSystem(c)
		if in.FileSystemConfigs == nil {
			// No file system: clear one set before, and leave the VPC.
			in.FileSystemConfigs = []ltypes.FileSystemConfig{}
			in.VpcConfig = &ltypes.VpcConfig{SubnetIds: []string{}, SecurityGroupIds: []string{}}
		}
		if _, err := cl.Lambda.UpdateFunctionConfiguration(ctx, in); err != nil {
			return res, awsError("lambda", "UpdateFunctionConfiguration", c.Name, err)
		}
		if err := waitUpdated(ctx, cl, o, c.Name); err != nil {
			return res, err
		}
		res.Changed = append(res.Changed, "configuration")
		o.say("updated the configuration of function %s", c.Name)
	}
	var cur int32 = -1
	if got.Concurrency != nil && got.Concurrency.ReservedConcurrentExecutions != nil {
		cur = *got.Concurrency.ReservedConcurrentExecutions
	}
	switch {
	case c.Reserved > 0 && cur != c.Reserved:
		if err := putConcurrency(ctx, cl, o, c); err != nil {
			return res, err
		}
		res.Changed = append(res.Changed, "concurrency")
	case c.Reserved == 0 && cur >= 0:
		if _, err := cl.Lambda.DeleteFunctionConcurrency(ctx, &lambda.DeleteFunctionConcurrencyInput{FunctionName: aws.String(c.Name)}); err != nil {
			return res, awsError("lambda", "DeleteFunctionConcurrency", c.Name, err)
		}
		res.Changed = append(res.Changed, "concurrency")
		o.say("removed the reserved concurrency of function %s", c.Name)
	}
	if len(res.Changed) == 0 {
		o.say("function %s up to date (%s)", c.Name, image)
	}
	return res, nil
}

// ensureImage makes sure the ECR repository exists, pushes the image when asked, and returns the
// image URI and its digest (DescribeImages).
func ensureImage(ctx context.Context, cl Clients, o Options, c FunctionConfig) (uri, digest string, err error) {
	name := c.Repository
	if name == "" {
		name = c.Name
	}
	var repoURI string
	got, err := cl.ECR.DescribeRepositories(ctx, &ecr.DescribeRepositoriesInput{RepositoryNames: []string{name}})
	switch {
	case isCode(err, "RepositoryNotFoundException"):
		out, err := cl.ECR.CreateRepository(ctx, &ecr.CreateRepositoryInput{RepositoryName: aws.String(name),
			ImageTagMutability: ecrtypes.ImageTagMutabilityMutable})
		if err != nil {
			return "", "", awsError("ecr", "CreateRepository", name, err)
		}
		repoURI = aws.ToString(out.Repository.RepositoryUri)
		o.say("created ECR repository %s", repoURI)
	case err != nil:
		return "", "", awsError("ecr", "DescribeRepositories", name, err)
	case len(got.Repositories) != 1:
		return "", "", fmt.Errorf("ecr DescribeRepositories %s: %d repositories in the answer, want 1", name, len(got.Repositories))
	default:
		repoURI = aws.ToString(got.Repositories[0].RepositoryUri)
	}
	uri = repoURI + ":" + c.Tag
	if c.Push != nil {
		tok, err := cl.ECR.GetAuthorizationToken(ctx, &ecr.GetAuthorizationTokenInput{})
		if err != nil {
			return "", "", awsError("ecr", "GetAuthorizationToken", name, err)
		}
		if len(tok.AuthorizationData) == 0 {
			return "", "", fmt.Errorf("ecr GetAuthorizationToken %s: no authorization data in the answer", name)
		}
		raw, err := base64.StdEncoding.DecodeString(aws.ToString(tok.AuthorizationData[0].AuthorizationToken))
		if err != nil {
			return "", "", fmt.Errorf("ecr GetAuthorizationToken %s: token is not base64: %w", name, err)
		}
		user, pass, ok := strings.Cut(string(raw), ":")
		if !ok {
			return "", "", fmt.Errorf("ecr GetAuthorizationToken %s: token is not USER:PASSWORD", name)
		}
		registry := strings.TrimPrefix(aws.ToString(tok.AuthorizationData[0].ProxyEndpoint), "https://")
		if err := c.Push.Push(ctx, registry, user, pass, c.LocalImage, uri); err != nil {
			return "", "", fmt.Errorf("push %s to %s: %w", c.LocalImage, uri, err)
		}
		o.say("pushed %s to %s", c.LocalImage, uri)
	}
	img, err := cl.ECR.DescribeImages(ctx, &ecr.DescribeImagesInput{RepositoryName: aws.String(name),
		ImageIds: []ecrtypes.ImageIdentifier{{ImageTag: aws.String(c.Tag)}}})
	switch {
	case isCode(err, "ImageNotFoundException"):
		return "", "", fmt.Errorf("ecr DescribeImages %s: no image tagged %s: push it first (hsfan deploy function --push, make push in a checkout of hsfan, or docker push %s): %w", name, c.Tag, uri, err)
	case err != nil:
		return "", "", awsError("ecr", "DescribeImages", name+":"+c.Tag, err)
	case len(img.ImageDetails) == 0:
		return "", "", fmt.Errorf("ecr DescribeImages %s: no image tagged %s", name, c.Tag)
	}
	return uri, aws.ToString(img.ImageDetails[0].ImageDigest), nil
}

func createFunction(ctx context.Context, cl Clients, o Options, c FunctionConfig, image, role string) (string, error) {
	in := &lambda.CreateFunctionInput{FunctionName: aws.String(c.Name), PackageType: ltypes.PackageTypeImage,
		Code: &ltypes.FunctionCode{ImageUri: aws.String(image)}, Role: aws.String(role),
		Architectures: []ltypes.Architecture{ltypes.Architecture(c.Arch)}, MemorySize: aws.Int32(c.MemoryMB),
		Timeout: aws.Int32(c.TimeoutS), Environment: &ltypes.Environment{Variables: envOrEmpty(c.Env)},
		Description: aws.String("hsfan worker (hsfan deploy function)")}
	in.FileSystemConfigs, in.VpcConfig = fileSystem(c)
	lo, _, total := o.waitBounds()
	deadline := time.Now().Add(total)
	for delay := lo; ; delay *= 2 {
		out, err := cl.Lambda.CreateFunction(ctx, in)
		if err == nil {
			o.say("created function %s from %s", c.Name, image)
			if err := waitActive(ctx, cl, o, c.Name); err != nil {
				return "", err
			}
			return aws.ToString(out.FunctionArn), nil
		}
		// A role created seconds ago is not yet visible to Lambda (IAM is eventually
		// consistent): Lambda answers InvalidParameterValueException "The role defined for the
		// function cannot be assumed by Lambda" until it is.
		if !isCode(err, "InvalidParameterValueException") || !strings.Contains(err.Error(), "cannot be assumed") || time.Now().Add(delay).After(deadline) {
			return "", awsError("lambda", "CreateFunction", c.Name, err)
		}
		o.say("role %s not yet assumable by Lambda (IAM propagation): retrying in %s", role, delay)
		select {
		case <-ctx.Done():
			return "", ctx.Err()
		case <-time.After(delay):
		}
	}
}

func putConcurrency(ctx context.Context, cl Clients, o Options, c FunctionConfig) error {
	if _, err := cl.Lambda.PutFunctionConcurrency(ctx, &lambda.PutFunctionConcurrencyInput{FunctionName: aws.String(c.Name),
		ReservedConcurrentExecutions: aws.Int32(c.Reserved)}); err != nil {
		return awsError("lambda", "PutFunctionConcurrency", c.Name, err)
	}
	o.say("reserved concurrency of function %s set to %d", c.Name, c.Reserved)
	return nil
}

func waitActive(ctx context.Context, cl Clients, o Options, name string) error {
	lo, hi, total := o.waitBounds()
	w := lambda.NewFunctionActiveV2Waiter(cl.Lambda, func(wo *lambda.FunctionActiveV2WaiterOptions) { wo.MinDelay, wo.MaxDelay = lo, hi })
	if err := w.Wait(ctx, &lambda.GetFunctionInput{FunctionName: aws.String(name)}, total); err != nil {
		return fmt.Errorf("lambda wait function-active-v2 %s: %w", name, err)
	}
	return nil
}

func waitUpdated(ctx context.Context, cl Clients, o Options, name string) error {
	lo, hi, total := o.waitBounds()
	w := lambda.NewFunctionUpdatedV2Waiter(cl.Lambda, func(wo *lambda.FunctionUpdatedV2WaiterOptions) { wo.MinDelay, wo.MaxDelay = lo, hi })
	if err := w.Wait(ctx, &lambda.GetFunctionInput{FunctionName: aws.String(name)}, total); err != nil {
		return fmt.Errorf("lambda wait function-updated-v2 %s: %w", name, err)
	}
	return nil
}

// fileSystem is the function's file system and VPC for c (nil, nil without EFS).
func fileSystem(c FunctionConfig) ([]ltypes.FileSystemConfig, *ltypes.VpcConfig) {
	if c.EFSAccessPoint == "" {
		return nil, nil
	}
	return []ltypes.FileSystemConfig{{Arn: aws.String(c.EFSAccessPoint), LocalMountPath: aws.String(c.MountPath)}},
		&ltypes.VpcConfig{SubnetIds: slices.Sorted(slices.Values(c.SubnetIDs)), SecurityGroupIds: slices.Sorted(slices.Values(c.SecurityGroupIDs))}
}

func envOrEmpty(env map[string]string) map[string]string {
	if env == nil {
		return map[string]string{}
	}
	return env
}

// codeDiffers reports whether the function runs another image than image (by URI, or by digest
// when the tag was pushed again) or on another architecture.
func codeDiffers(got *lambda.GetFunctionOutput, image, digest, arch string) bool {
	if got.Code == nil || aws.ToString(got.Code.ImageUri) != image {
		return true
	}
	if digest != "" && !strings.HasSuffix(aws.ToString(got.Code.ResolvedImageUri), "@"+digest) {
		return true
	}
	return len(got.Configuration.Architectures) != 1 || string(got.Configuration.Architectures[0]) != arch
}

// configDiffers compares the configuration hsfan sets: role, memory, timeout, environment, file
// system and VPC.
func configDiffers(got *ltypes.FunctionConfiguration, c FunctionConfig, role string) bool {
	var env map[string]string
	if got.Environment != nil {
		env = got.Environment.Variables
	}
	if aws.ToString(got.Role) != role || aws.ToInt32(got.MemorySize) != c.MemoryMB || aws.ToInt32(got.Timeout) != c.TimeoutS ||
		!maps.Equal(envOrEmpty(env), envOrEmpty(c.Env)) {
		return true
	}
	wantFS, wantVPC := fileSystem(c)
	if len(got.FileSystemConfigs) != len(wantFS) {
		return true
	}
	for i := range wantFS {
		if aws.ToString(got.FileSystemConfigs[i].Arn) != aws.ToString(wantFS[i].Arn) || aws.ToString(got.FileSystemConfigs[i].LocalMountPath) != aws.ToString(wantFS[i].LocalMountPath) {
			return true
		}
	}
	var subnets, sgs []string
	if got.VpcConfig != nil {
		subnets = slices.Sorted(slices.Values(got.VpcConfig.SubnetIds))
		sgs = slices.Sorted(slices.Values(got.VpcConfig.SecurityGroupIds))
	}
	var wantSubnets, wantSGs []string
	if wantVPC != nil {
		wantSubnets, wantSGs = wantVPC.SubnetIds, wantVPC.SecurityGroupIds
	}
	return !slices.Equal(subnets, wantSubnets) || !slices.Equal(sgs, wantSGs)
}
