"""The train stage: dataset -> fine-tuned, evaluated, calibrated model with a card; promotion."""
