"""skylabel's learning library: plain torch + numpy (+ scipy), no web, no database, no ``backend``/``tiles``.

Where things live (one concept per module):

==================  =====================================================================================
``cutouts``         multi-band cutouts around sources (0-based pixel positions), validity masks
``normalise``       per-band background / robust noise sigma (noise units) and the asinh stretch
``features``        catalogue features (colours, CI, magnitudes): sentinels, NaN-safe standardisation
``scales``          StarcNet's three scales (full, central 20 px, central 11 px)
``encoders``        StarcNet-style multi-scale CNN and a small ResNet, built from JSON-able specs
``heads``           MLP heads declared as data (BYOL projector / predictor 256-256)
``augment``         BYOL views as callables on batches (crop, flips/rotations, shifts, noise, flux scale)
``byol_loss``       the symmetric normalised MSE
``momentum``        EMA target update and the cosine tau schedule
``byol``            the online / target networks container
``train_byol``      the training loop, checkpoints, resume, ``benchmark_throughput``
``pretrained``      save / load a pretrained encoder with its normalisation (export or BYOL checkpoint)
``embed``           embeddings of every source
``probe``           linear probe (multinomial logistic regression, L-BFGS, warm start, class weights)
``finetune``        supervised training of a whole network (fine-tuning, scratch baseline)
``acquisition``     what to label next: random, entropy, margin, kcenter, cluster_entropy
``pseudo_labels``   confident predictions kept apart from human labels, with a schedule
``session``         ``ModelSession``: predict / add_labels / retrain / undo / reset / save / load
``evaluate``        accuracies and the label-efficiency strategies of the paper's Figure 3
``checkpoint``      checkpoints as plain data (``weights_only=True``)
``device``          CUDA / CPU, autocast and channels_last choices
``errors``          domain exceptions (all derive from ``ModelsError``)
==================  =====================================================================================
"""
