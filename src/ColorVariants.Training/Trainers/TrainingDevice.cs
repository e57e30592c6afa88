namespace ColorVariants.Training.Trainers;

/// <summary>Where the network trains. CUDA needs the CUDA TorchSharp build (-p:TorchBackend=cuda) and a GPU.</summary>
public enum TrainingDevice { Cpu, Cuda }
