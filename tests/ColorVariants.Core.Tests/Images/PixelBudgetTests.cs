using ColorVariants.Core.Images;

namespace ColorVariants.Core.Tests.Images;

/// <summary>Issue 9, bug 7: decodes beyond the pixel budget wait; nothing here depends on timing.</summary>
public class PixelBudgetTests
{
    [Fact]
    public async Task A_decode_that_does_not_fit_waits_until_pixels_are_given_back()
    {
        var budget = new PixelBudget(100);
        var first = await budget.AcquireAsync(60);
        var second = budget.AcquireAsync(60);
        Assert.False(second.IsCompleted);
        Assert.Equal((60, 1), (budget.InUse, budget.Waiting));

        first.Dispose();
        using var granted = await second;
        Assert.Equal((60, 0), (budget.InUse, budget.Waiting));
    }

    [Fact]
    public async Task Waiters_are_served_in_order_so_a_large_image_is_not_starved()
    {
        var budget = new PixelBudget(100);
        var held = await budget.AcquireAsync(50);
        var large = budget.AcquireAsync(100);
        var small = budget.AcquireAsync(10); // would fit now, but the large one came first
        Assert.False(small.IsCompleted);

        held.Dispose();
        var largeLease = await large;
        Assert.False(small.IsCompleted);
        largeLease.Dispose();
        (await small).Dispose();
        Assert.Equal(0, budget.InUse);
    }

    [Fact]
    public async Task An_image_larger_than_the_budget_waits_for_the_whole_budget()
    {
        var budget = new PixelBudget(100);
        var held = await budget.AcquireAsync(1);
        var huge = budget.AcquireAsync(1_000);
        Assert.False(huge.IsCompleted);
        held.Dispose();
        using var lease = await huge;
        Assert.Equal(100, lease.Pixels);
    }

    [Fact]
    public async Task A_cancelled_wait_takes_nothing_and_unblocks_the_waiters_behind_it()
    {
        var budget = new PixelBudget(100);
        var held = await budget.AcquireAsync(50);
        using var cancel = new CancellationTokenSource();
        var large = budget.AcquireAsync(100, cancel.Token);
        var small = budget.AcquireAsync(10);
        cancel.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await large);
        using var smallLease = await small;
        Assert.Equal((60, 0), (budget.InUse, budget.Waiting));
        held.Dispose();
        held.Dispose(); // a lease gives its pixels back once
        Assert.Equal(10, budget.InUse);
    }
}
