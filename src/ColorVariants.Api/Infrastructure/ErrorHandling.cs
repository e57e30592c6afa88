using System.Net.Sockets;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.Extensions.Options;
using Npgsql;

namespace ColorVariants.Api.Infrastructure;

public static class ErrorHandling
{
    /// <summary>Problem details for every error, and a 503 with Retry-After while the database is out of reach.</summary>
    public static IServiceCollection AddColorVariantsErrors(this IServiceCollection services)
    {
        services.AddProblemDetails();
        services.AddExceptionHandler<BadRequestHandler>();
        services.AddExceptionHandler<DatabaseUnavailableHandler>();
        // A value the framework cannot bind (limit=abc) is thrown, so its 400 can say which and why.
        services.Configure<RouteHandlerOptions>(options => options.ThrowOnBadRequest = true);
        return services;
    }

    /// <summary>
    /// Every error answer is problem details: unhandled exceptions (a request the framework could
    /// not bind keeps its own status, e.g. 400; an unreachable database is a 503), empty error
    /// responses such as an unknown route, and bodies over the upload limit, refused from their
    /// Content-Length before anything is read.
    /// </summary>
    public static WebApplication UseColorVariantsErrors(this WebApplication app)
    {
        app.UseExceptionHandler(new ExceptionHandlerOptions
        {
            StatusCodeSelector = exception => exception is BadHttpRequestException bad ? bad.StatusCode : StatusCodes.Status500InternalServerError,
        });
        app.UseStatusCodePages();
        app.Use(async (context, next) =>
        {
            var limit = context.RequestServices.GetRequiredService<IOptions<UploadOptions>>().Value.MaxImageBytes + FormOverhead;
            if (context.Request.ContentLength > limit)
            {
                context.Response.StatusCode = StatusCodes.Status413PayloadTooLarge;
                await context.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext
                {
                    HttpContext = context,
                    ProblemDetails =
                    {
                        Status = StatusCodes.Status413PayloadTooLarge,
                        Title = "Request too large",
                        Detail = $"The request has {context.Request.ContentLength:N0} bytes; an image may have {limit - FormOverhead:N0}.",
                    },
                });
                return;
            }
            await next(context);
        });
        return app;
    }

    /// <summary>Room for the multipart framing and the text fields beside the image.</summary>
    public const long FormOverhead = 64 * 1024;

    /// <summary>Seconds a client is told to wait while the database is out of reach.</summary>
    public const int DatabaseRetryAfterSeconds = 5;

    /// <summary>
    /// True when the database could not be reached or went away (refused or broken connection,
    /// connect or pool timeout, a server shutting down or starting, SQLSTATE class 08 connection
    /// exceptions, class 53 insufficient resources such as a full disk or too many connections):
    /// the request may succeed later, unchanged. A statement the server rejected for what it is
    /// (a constraint, a bad value) is not this; it stays a 500.
    /// </summary>
    public static bool IsDatabaseUnavailable(Exception exception) => exception switch
    {
        PostgresException postgres => postgres.SqlState is PostgresErrorCodes.AdminShutdown or PostgresErrorCodes.CrashShutdown
            or PostgresErrorCodes.CannotConnectNow || postgres.SqlState.StartsWith("08", StringComparison.Ordinal)
            || postgres.SqlState.StartsWith("53", StringComparison.Ordinal),
        NpgsqlException npgsql => npgsql.InnerException is SocketException or IOException or TimeoutException || npgsql.IsTransient,
        SocketException => true,
        _ => false,
    };

    /// <summary>
    /// Answers 503 with Retry-After for an unreachable database instead of a 500, so importers and
    /// proxies wait and retry; the data source reconnects by itself once the database is back.
    /// </summary>
    /// <summary>A request the framework could not bind: its own status (400, 413, ...) with the framework's reason, e.g. 'Failed to bind parameter "int? limit" from "abc".'</summary>
    private sealed class BadRequestHandler(IProblemDetailsService problems) : IExceptionHandler
    {
        public async ValueTask<bool> TryHandleAsync(HttpContext context, Exception exception, CancellationToken cancellationToken)
        {
            if (exception is not BadHttpRequestException bad) return false;
            context.Response.StatusCode = bad.StatusCode;
            return await problems.TryWriteAsync(new ProblemDetailsContext
            {
                HttpContext = context,
                Exception = exception,
                ProblemDetails = { Status = bad.StatusCode, Title = bad.StatusCode == StatusCodes.Status413PayloadTooLarge ? "Request too large" : "Bad request", Detail = bad.Message },
            });
        }
    }

    private sealed class DatabaseUnavailableHandler(IProblemDetailsService problems, ILogger<DatabaseUnavailableHandler> logger) : IExceptionHandler
    {
        public async ValueTask<bool> TryHandleAsync(HttpContext context, Exception exception, CancellationToken cancellationToken)
        {
            if (!IsDatabaseUnavailable(exception)) return false;
            logger.LogWarning("{Method} {Path}: the database is not reachable ({Message}); answered 503.",
                context.Request.Method, context.Request.Path, exception.Message);
            context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            context.Response.Headers.RetryAfter = DatabaseRetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
            return await problems.TryWriteAsync(new ProblemDetailsContext
            {
                HttpContext = context,
                Exception = exception,
                ProblemDetails =
                {
                    Status = StatusCodes.Status503ServiceUnavailable,
                    Title = "Database unavailable",
                    Detail = $"The catalog database cannot be reached just now; retry in {DatabaseRetryAfterSeconds} seconds.",
                },
            });
        }
    }
}
