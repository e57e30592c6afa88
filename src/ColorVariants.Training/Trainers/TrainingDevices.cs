using TorchSharp;
using static TorchSharp.torch;

namespace ColorVariants.Training.Trainers;

internal static class TrainingDevices
{
    /// <summary>The torch device for <paramref name="device"/>; CUDA only when libtorch can actually use it.</summary>
    public static Device Select(TrainingDevice device)
    {
        if (device == TrainingDevice.Cpu) return CPU;
        bool available;
        try
        {
            available = torch.cuda.is_available();
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException or NotSupportedException or InvalidOperationException)
        {
            available = false;
        }
        if (!available)
            throw new TrainingException(
                "CUDA was asked for but libtorch finds no usable GPU. This build links TorchSharp's CPU libtorch; " +
                "build with -p:TorchBackend=cuda on a machine with an NVIDIA GPU and driver, or train with --device cpu.");
        return CUDA;
    }
}
