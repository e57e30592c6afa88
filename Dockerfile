# syntax=docker/dockerfile:1
# The ColorVariants API. One runtime image for machines with and without a GPU: it carries the
# CUDA 13 + cuDNN 9 runtime that ONNX Runtime's CUDA provider needs; where no GPU is visible
# (no --gpus / NVIDIA container runtime) the service logs that and runs on the CPU provider.
#   docker build -t colorvariants-api .
#   docker compose up            (API + PostgreSQL with pgvector; see docker-compose.yml)
# For a smaller CPU-only image: --build-arg RUNTIME_BASE=mcr.microsoft.com/dotnet/aspnet:10.0

ARG RUNTIME_BASE=nvidia/cuda:13.0.1-cudnn-runtime-ubuntu24.04

FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
# Restore first, from the project files only, so the layer survives source edits.
COPY global.json Directory.Build.props Directory.Packages.props ./
COPY src/ColorVariants.Core/ColorVariants.Core.csproj src/ColorVariants.Core/
COPY src/ColorVariants.Inference/ColorVariants.Inference.csproj src/ColorVariants.Inference/
COPY src/ColorVariants.Api/ColorVariants.Api.csproj src/ColorVariants.Api/
RUN dotnet restore src/ColorVariants.Api/ColorVariants.Api.csproj
COPY src/ColorVariants.Core/ src/ColorVariants.Core/
COPY src/ColorVariants.Inference/ src/ColorVariants.Inference/
COPY src/ColorVariants.Api/ src/ColorVariants.Api/
RUN dotnet publish src/ColorVariants.Api/ColorVariants.Api.csproj -c Release -o /app --no-restore

FROM mcr.microsoft.com/dotnet/aspnet:10.0 AS aspnet

FROM ${RUNTIME_BASE} AS runtime
# The ASP.NET Core runtime, taken whole from Microsoft's image (works on any glibc base).
COPY --from=aspnet /usr/share/dotnet /usr/share/dotnet
# curl is for the health check; the app runs with invariant globalization, so no ICU is needed.
RUN ln -sf /usr/share/dotnet/dotnet /usr/bin/dotnet \
 && apt-get update && apt-get install -y --no-install-recommends curl ca-certificates \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY --from=build /app ./
ENV ASPNETCORE_URLS=http://0.0.0.0:8080 \
    Embedding__ModelDirectory=/data/models \
    DOTNET_gcServer=1 \
    MALLOC_MMAP_THRESHOLD_=262144
# The default model is prepared into this volume on first start (about a second).
VOLUME /data/models
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s --start-period=60s CMD curl -fsS http://127.0.0.1:8080/readyz || exit 1
ENTRYPOINT ["dotnet", "ColorVariants.Api.dll"]
