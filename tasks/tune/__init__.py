"""The tune stage: a budgeted, resumable search over the data recipe and the training hyperparameters."""
