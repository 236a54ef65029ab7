using PhaseScope.Cli.Options;

namespace PhaseScope.Tests.Cli;

/// <summary>The one number parser on hand-picked edges, with values and messages written out by hand.</summary>
public class NumberTextTests
{
    static readonly NumberRange<double> Lr = new(0, 1e36, MinExclusive: true);

    [Theory]
    [InlineData("0.0001", 0.0001)]
    [InlineData("1e-4", 0.0001)]
    [InlineData(".5", 0.5)]
    [InlineData("5.", 5.0)]
    [InlineData("+2", 2.0)]
    [InlineData("1E3", 1000.0)]
    public void RealsInTheInvariantFormAreRead(string text, double expected)
    {
        Assert.True(NumberText.TryParse("--lr", text, Lr, out var v, out var e), e);
        Assert.Equal(expected, v);
    }

    [Theory]
    [InlineData("1,5")] [InlineData("0,0001")] [InlineData("١٢")] [InlineData("１２")] [InlineData(" 5")] [InlineData("5 ")] [InlineData("0x10")]
    [InlineData("NaN")] [InlineData("Infinity")] [InlineData("∞")] [InlineData("1e309")] [InlineData("")] [InlineData("1_000")] [InlineData("e5")] [InlineData("1e")]
    [InlineData("0")] [InlineData("-1")] [InlineData("1e37")]
    public void OtherRealsAreRefused(string text) => Assert.False(NumberText.TryParse("--lr", text, Lr, out _, out _));

    [Fact]
    public void TheMessageNamesTheOptionTheRangeTheFormAndTheValue()
    {
        Assert.False(NumberText.TryParse("--lr", "1,5", Lr, out _, out var malformed));
        Assert.Equal("--lr 1,5: must be a number in (0, 1e36], written with ASCII digits, a '.' decimal point and an optional exponent (e.g. 0.0001 or 1e-4) (got 1,5).", malformed);
        Assert.False(NumberText.TryParse("--lr", "-1", Lr, out _, out var outside));
        Assert.Equal("--lr -1: must be a number in (0, 1e36] (got -1).", outside);
        var p = NumberRange<int>.AtLeast(2).CappedAt(2000, "the p² examples");
        Assert.False(NumberText.TryParse("--p", "5000", p, out _, out var capped));
        Assert.Equal("--p 5000: must be an integer in 2 … 2000; the upper bound caps the p² examples (got 5000).", capped);
        Assert.False(NumberText.TryParse("--p", "a\nb", p, out _, out var control));
        Assert.Equal("--p a\\u000Ab: must be an integer in 2 … 2000, written with ASCII digits and an optional sign (e.g. 1000); the upper bound caps the p² examples (got a\\u000Ab).", control);
    }

    [Theory]
    [InlineData("2147483647", true)] [InlineData("-2147483648", true)] [InlineData("+5", true)] [InlineData("-0", true)]
    [InlineData("2147483648", false)] [InlineData("1e3", false)] [InlineData("1.0", false)] [InlineData("٥", false)] [InlineData("9223372036854775807", false)]
    public void IntegersAreDigitsWithinTheType(string text, bool accepted) =>
        Assert.Equal(accepted, NumberText.TryParse("--seed", text, NumberRange<int>.Any, out _, out _));

    [Fact]
    public void LongAndUnsignedEdges()
    {
        Assert.True(NumberText.TryParse("--seed", "9223372036854775807", NumberRange<long>.Any, out var l, out _));
        Assert.Equal(long.MaxValue, l);
        Assert.True(NumberText.TryParse("--seed", "18446744073709551615", NumberRange<ulong>.Any, out var u, out _));
        Assert.Equal(ulong.MaxValue, u);
        Assert.False(NumberText.TryParse("--seed", "-1", NumberRange<ulong>.Any, out _, out _));
    }

    [Fact]
    public void ListsAreSetsOrKeptInOrderWithoutRepeats()
    {
        var steps = new NumberList<long>(NumberRange<long>.AtLeast(0), ListOrder.Sorted, 3, "drawings");
        Assert.Equal([100L, 500L], steps.Parse("--at", "500,100,500"));
        Assert.Equal([1L, 2L, 3L], steps.Parse("--at", "3, 2 ,1"));
        Assert.False(steps.TryParse("--at", "1,2,3,4", out _, out var tooMany));
        Assert.Contains("4 items are too many", tooMany);
        var seeds = new NumberList<int>(NumberRange<int>.Any, ListOrder.AsGiven, 10, "runs");
        Assert.Equal([2024, 42], seeds.Parse("--seeds", "2024,42"));
        Assert.False(seeds.TryParse("--seeds", "42,42", out _, out var repeated));
        Assert.EndsWith("; 42 is repeated (got 42,42).", repeated);
        foreach (var bad in new[] { "", " ", "1,,2", "1,", ",1", "1;2", "1,1.5", "1,x" })
            Assert.False(seeds.TryParse("--seeds", bad, out _, out _), bad);
    }

    [Fact]
    public void GridsAreEvenlySpacedAndNeverEmptyOrRepeated()
    {
        var orders = new NumberGrid(NumberRange<double>.AtLeast(0), 1000, "orders");
        Assert.True(orders.TryParse("--orders", "0:64:33", out var k, out _));
        Assert.Equal(33, k.Length);
        Assert.Equal(0, k[0]);
        Assert.Equal(2, k[1]);   // 64 / 32
        Assert.Equal(64, k[32]);
        Assert.True(orders.TryParse("--orders", "3:3:1", out var one, out _));
        Assert.Equal([3.0], one);
        foreach (var bad in new[] { "0:64:0", "64:0:3", "0:64:1", "5:5:3", "0:64:1001", "0:64", "0:NaN:3", "-1:2:3", "0:1,5:3", "1:1.0000000000000002:5" })
            Assert.False(orders.TryParse("--orders", bad, out _, out _), bad);
    }
}
