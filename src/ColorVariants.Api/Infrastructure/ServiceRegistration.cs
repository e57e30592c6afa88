using ColorVariants.Api.Embedding;
using ColorVariants.Api.Groups;
using ColorVariants.Api.Health;
using ColorVariants.Api.Models;
using ColorVariants.Api.Storage;
using ColorVariants.Api.Variants;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;
using Npgsql;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace ColorVariants.Api.Infrastructure;

public static class ServiceRegistration
{
    /// <summary>Everything the service needs, configured from appsettings / environment (see README, Configuration).</summary>
    public static WebApplicationBuilder AddColorVariants(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<EmbeddingOptions>().BindConfiguration(EmbeddingOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<UploadOptions>().BindConfiguration(UploadOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<SearchOptions>().BindConfiguration(SearchOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<VariantDecisionOptions>().BindConfiguration(VariantDecisionOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<WhiteningRefitOptions>().BindConfiguration(WhiteningRefitOptions.Section).ValidateDataAnnotations().ValidateOnStart();

        // Writes go to ConnectionStrings:Catalog; client reads to ConnectionStrings:CatalogRead when set
        // (docs/SCALING.md: primary and standbys with Target Session Attributes=prefer-standby), else to the same.
        services.AddSingleton(sp =>
        {
            var configuration = sp.GetRequiredService<IConfiguration>();
            var search = sp.GetRequiredService<IOptions<SearchOptions>>().Value;
            var loggers = sp.GetRequiredService<ILoggerFactory>();
            var catalog = configuration.GetConnectionString("Catalog")
                ?? throw new InvalidOperationException("Set ConnectionStrings:Catalog (e.g. env ConnectionStrings__Catalog).");
            var read = configuration.GetConnectionString("CatalogRead") is { Length: > 0 } named ? named : null;
            var writes = CreateDataSource(catalog, search, loggers);
            // The variant statements on a pool of their own, with sorts off (CatalogStore.FindVariantsAsync).
            // An iterative HNSW scan also stops once its candidates fill work_mem (4 MB): at 2,304
            // dimensions that is about a thousand vectors, so a rare category could come back short;
            // at the fused default's 3,204 a multiplier of 4 once came back one of 19 short (SearchBranchTests).
            var searches = CreateDataSource(read ?? catalog, search, loggers, "-c enable_sort=off -c hnsw.scan_mem_multiplier=8");
            return new CatalogDataSources(writes, read is null ? null : CreateDataSource(read, search, loggers), searches);
        });
        services.AddSingleton<DatabaseMigrator>();
        services.AddSingleton<ServedModel>();
        services.AddSingleton<SearchPlan>();
        services.AddSingleton<CatalogStore>();
        services.AddSingleton<ServiceMetrics>();
        services.AddSingleton<ImageEmbedder>();
        services.AddSingleton<CatalogStartup>();
        services.AddHostedService(sp => sp.GetRequiredService<CatalogStartup>());
        services.AddSingleton<ActiveWhitening>();
        services.AddSingleton<VariantThresholds>();
        // Background work has one owner, which runs these one job at a time.
        services.AddSingleton<CatalogReembedder>();
        services.AddSingleton<Swatches.SwatchBackfill>();
        services.AddSingleton<WhiteningRefitter>();
        services.AddSingleton<VariantGroups>();
        services.AddSingleton<Maintenance.CatalogMaintenance>();
        services.AddHostedService(sp => sp.GetRequiredService<Maintenance.CatalogMaintenance>());

        // The body may hold the image plus a few form fields; the image's own limit is checked on its length.
        services.AddOptions<FormOptions>().Configure<IOptions<UploadOptions>>((form, uploads) =>
            form.MultipartBodyLengthLimit = uploads.Value.MaxImageBytes + ErrorHandling.FormOverhead);
        builder.WebHost.ConfigureKestrel((context, kestrel) =>
            kestrel.Limits.MaxRequestBodySize = context.Configuration.GetValue(
                $"{UploadOptions.Section}:{nameof(UploadOptions.MaxImageBytes)}", new UploadOptions().MaxImageBytes) + ErrorHandling.FormOverhead);

        services.AddColorVariantsErrors();
        services.AddColorVariantsRateLimits();
        services.AddColorVariantsHealthChecks();
        services.AddColorVariantsOpenApi();
        services.ConfigureHttpJsonOptions(json => json.SerializerOptions.TypeInfoResolverChain.Insert(0, ApiJsonContext.Default));
        builder.AddColorVariantsTelemetry();
        return builder;
    }

    /// <summary>
    /// Settings travel as connection start-up options, so they are the session defaults: ef_search
    /// for recall, strict-order iterative index scans so a filtered HNSW scan goes on until `limit`
    /// rows pass the filter. Plans are the server's default (`auto`: generic once no dearer than
    /// custom ones): the exact/HNSW choice is made by the statement itself (CatalogStore.Search),
    /// not by the planner, so a custom plan per execution buys nothing (deploy/bench/README.md).
    /// Statements are prepared (parsed once per connection), and pooled connections are not
    /// reset: the service keeps no session state.
    /// </summary>
    /// <param name="options">More start-up options, e.g. the search pool's.</param>
    private static NpgsqlDataSource CreateDataSource(string connectionString, SearchOptions search, ILoggerFactory loggers, string options = "")
    {
        var builder = new NpgsqlDataSourceBuilder(connectionString);
        var settings = builder.ConnectionStringBuilder;
        // jit=off: the variant statement's limit (the request's plus its rejected pairs) is not a
        // constant, so the planner costs it as a long scan and JIT-compiles every execution: about
        // 45 ms of PostgreSQL a request for a 3 ms query (deploy/bench/README.md). This service runs
        // short statements only; JIT never pays for itself here.
        settings.Options = $"{settings.Options} -c jit=off -c hnsw.ef_search={search.EfSearch} -c hnsw.iterative_scan=strict_order {options}".Trim();
        settings.MaxAutoPrepare = settings.MaxAutoPrepare > 0 ? settings.MaxAutoPrepare : 32;
        settings.NoResetOnClose = true;
        builder.UseVector();
        builder.UseLoggerFactory(loggers);
        return builder.Build();
    }

    /// <summary>Traces and metrics for ASP.NET Core, Npgsql, the runtime and the service's own meters (ServiceMetrics), exported over OTLP when OTEL_EXPORTER_OTLP_ENDPOINT is set.</summary>
    private static void AddColorVariantsTelemetry(this WebApplicationBuilder builder)
    {
        if (string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"])) return;
        builder.Services.AddOpenTelemetry()
            .WithTracing(tracing => tracing.AddAspNetCoreInstrumentation().AddNpgsql().AddOtlpExporter())
            .WithMetrics(metrics => metrics.AddAspNetCoreInstrumentation().AddRuntimeInstrumentation().AddMeter("Npgsql").AddMeter(ServiceMetrics.MeterName).AddOtlpExporter());
    }
}
