using ColorVariants.Inference.Onnx.Proto;

namespace ColorVariants.Inference.Onnx;

/// <summary>Small constructors for graph parts, shared by model preparation and the trainer's exporter.</summary>
public static class OnnxGraph
{
    public const int Float = (int)TensorProto.Types.DataType.Float;

    /// <summary>A float tensor type; each dimension is a size (int or long) or a symbolic name (string).</summary>
    public static TypeProto TensorType(IEnumerable<object> dims, int elementType = Float)
    {
        var shape = new TensorShapeProto();
        foreach (var dim in dims)
        {
            shape.Dim.Add(dim switch
            {
                string name => new TensorShapeProto.Types.Dimension { DimParam = name },
                int size => new TensorShapeProto.Types.Dimension { DimValue = size },
                long size => new TensorShapeProto.Types.Dimension { DimValue = size },
                _ => throw new ArgumentException($"A dimension is a size or a name, not {dim.GetType().Name}."),
            });
        }
        return new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = elementType, Shape = shape } };
    }
}
