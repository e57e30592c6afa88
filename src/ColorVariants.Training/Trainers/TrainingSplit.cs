namespace ColorVariants.Training.Trainers;

/// <summary>Which catalog rows a run trains on (Core's StyleSplit decides train or validation per style).</summary>
public enum TrainingSplit
{
    /// <summary>Triplet: labelled train styles. SimCLR and cvssl: everything but validation styles (unlabelled rows too).</summary>
    Train,
    /// <summary>Only the validation styles' images: cvssl trained, without labels, on the very images it is then measured on.</summary>
    Validation,
    /// <summary>Every row.</summary>
    All,
}
