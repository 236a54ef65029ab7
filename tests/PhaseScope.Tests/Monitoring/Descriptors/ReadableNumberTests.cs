using PhaseScope.Monitoring.Descriptors;

namespace PhaseScope.Tests.Monitoring.Descriptors;

public class ReadableNumberTests
{
    /// <summary>Expected strings worked out by hand: round to three significant digits, drop trailing zeros, plain from 10⁻³ to 10⁴.</summary>
    [Theory]
    [InlineData(109_000.0, "1.09 × 10⁵")]
    [InlineData(110_000.0, "1.1 × 10⁵")]
    [InlineData(123_456.0, "1.23 × 10⁵")]
    [InlineData(99_960.0, "1 × 10⁵")]          // 9.996 × 10⁴ rounds up into the next decade
    [InlineData(0.000321, "3.21 × 10⁻⁴")]
    [InlineData(-4.5e-7, "-4.5 × 10⁻⁷")]
    [InlineData(1e300, "1 × 10³⁰⁰")]
    [InlineData(0.001, "0.001")]
    [InlineData(0.0012345, "0.00123")]
    [InlineData(0.5, "0.5")]
    [InlineData(0.81, "0.81")]
    [InlineData(24.137, "24.1")]
    [InlineData(1590.0, "1590")]
    [InlineData(1234.5, "1230")]
    [InlineData(9999.0, "1 × 10⁴")]           // 9.999 × 10³ rounds to 10.0 × 10³
    [InlineData(-0.5, "-0.5")]
    [InlineData(0.0, "0")]
    [InlineData(1.0, "1")]
    [InlineData(double.NaN, "NaN")]
    [InlineData(double.PositiveInfinity, "∞")]
    [InlineData(double.NegativeInfinity, "−∞")]
    public void FormatsThreeSignificantDigitsWithPowersOfTen(double value, string expected) =>
        Assert.Equal(expected, ReadableNumber.Format(value));

    [Fact]
    public void SameTextUnderAnyCulture()
    {
        var saved = System.Globalization.CultureInfo.CurrentCulture;
        try
        {
            System.Globalization.CultureInfo.CurrentCulture = new System.Globalization.CultureInfo("de-DE");
            Assert.Equal("24.1", ReadableNumber.Format(24.137));
            Assert.Equal("1.09 × 10⁵", ReadableNumber.Format(109_000));
            Assert.Equal("12.3 %", ReadableNumber.Percent(0.1234));
        }
        finally { System.Globalization.CultureInfo.CurrentCulture = saved; }
    }

    [Theory]
    [InlineData(1500.0, "1500")]
    [InlineData(123456.0, "123456")]
    [InlineData(2.5, "2.5")]
    [InlineData(double.NaN, "NaN")]
    public void IntegersAreWrittenWhole(double value, string expected) => Assert.Equal(expected, ReadableNumber.Integer(value));
}
