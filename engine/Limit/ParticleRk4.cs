namespace MeanFieldCluster.Engine.Limit;

/// <summary>
/// Classical RK4 for Lagrangian particles moving by x' = -2 ξ(t) ∇(x) (MATH section 4), where the field
/// ∇ of the whole particle state is recomputed at every stage; it tracks the Hermite orders its stages use.
/// Shared by <see cref="RadialPdeSolver"/> (state r_j) and <see cref="AnisotropicPdeSolver"/> (state r1_j then r2_j).
/// </summary>
/// <param name="field">Writes ∇ of a state into the second array and returns the state's risk and Hermite order.</param>
/// <param name="xi">The schedule ξ.</param>
/// <param name="count">The length of the state.</param>
internal sealed class ParticleRk4(Func<double[], double[], FieldValue> field, XiSchedule xi, int count)
{
    private readonly double[] _k1 = new double[count], _k2 = new double[count], _k3 = new double[count], _k4 = new double[count];
    private readonly double[] _stage = new double[count];
    private int _order;
    private bool _converged = true;

    /// <summary>One step of length h from t.</summary>
    public void Step(double[] x, double t, double h)
    {
        Rate(x, t, _k1);
        Shift(x, _k1, h / 2);
        Rate(_stage, t + (h / 2), _k2);
        Shift(x, _k2, h / 2);
        Rate(_stage, t + (h / 2), _k3);
        Shift(x, _k3, h);
        Rate(_stage, t + h, _k4);
        for (int j = 0; j < x.Length; j++)
        {
            x[j] += h / 6 * (_k1[j] + (2 * _k2[j]) + (2 * _k3[j]) + _k4[j]);
        }
    }

    /// <summary>
    /// The risk of the state, with the highest Hermite order used since the previous call and whether every
    /// evaluation since then converged (then reset).
    /// </summary>
    public FieldValue Observe(double[] x)
    {
        FieldValue value = Evaluate(x, _k1);
        var observed = new FieldValue(value.Risk, _order, _converged);
        (_order, _converged) = (0, true);
        return observed;
    }

    private void Rate(double[] x, double t, double[] rate)
    {
        Evaluate(x, rate);
        double factor = -2.0 * xi.Value(t);
        for (int j = 0; j < rate.Length; j++)
        {
            rate[j] *= factor;
        }
    }

    private FieldValue Evaluate(double[] x, double[] gradient)
    {
        FieldValue value = field(x, gradient);
        _order = Math.Max(_order, value.Order);
        _converged &= value.Converged;
        return value;
    }

    private void Shift(double[] x, double[] k, double h)
    {
        for (int j = 0; j < x.Length; j++)
        {
            _stage[j] = x[j] + (h * k[j]);
        }
    }
}
