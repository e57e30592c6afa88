using Microsoft.Extensions.Options;

namespace ColorVariants.Api.Infrastructure;

public static class ErrorHandling
{
    /// <summary>
    /// Every error answer is problem details: unhandled exceptions (a request the framework could
    /// not bind keeps its own status, e.g. 400), empty error responses such as an unknown route,
    /// and bodies over the upload limit, refused from their Content-Length before anything is read.
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
}
