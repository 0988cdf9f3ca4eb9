# hsfan worker as an AWS Lambda container image (provided.al2023 runtime, executable "bootstrap").
#   docker build --build-arg TARGETARCH=arm64 -t hsfan-worker .      (arm64 is the default)
#   docker build --build-arg TARGETARCH=amd64 -t hsfan-worker:amd64 .
# The build stage runs the same command as `make cross` (CGO off, lambda.norpc).
ARG GO_VERSION=1.26

FROM --platform=$BUILDPLATFORM golang:${GO_VERSION}-bookworm AS build
ARG TARGETARCH=arm64
ARG VERSION=dev
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 GOOS=linux GOARCH=${TARGETARCH} go build -trimpath -tags lambda.norpc \
      -ldflags "-s -w -X github.com/hsfan/hsfan/internal/version.Version=${VERSION}" \
      -o /out/bootstrap ./cmd/worker

FROM public.ecr.aws/lambda/provided:al2023
COPY --from=build /out/bootstrap ${LAMBDA_RUNTIME_DIR}/bootstrap
CMD ["bootstrap"]
