from sentiflow.tasks.models.batching import length_sorted_batches, padding_share, shuffled_length_batches


def test_length_sorted_batches_cover_every_index_once_in_length_order():
    lengths = [5, 1, 9, 3, 7, 2, 8]
    batches = length_sorted_batches(lengths, 3)
    flat = [int(i) for b in batches for i in b]
    assert sorted(flat) == list(range(len(lengths))) and [len(b) for b in batches] == [3, 3, 1]
    assert [lengths[i] for i in flat] == sorted(lengths)


def test_shuffled_length_batches_cover_every_row_and_pad_less_than_random_order():
    lengths = [1 + (i * 37) % 60 for i in range(400)]
    batches = shuffled_length_batches(lengths, 8, seed=1, epoch=0)
    assert sorted(i for b in batches for i in b) == list(range(400))
    assert batches == shuffled_length_batches(lengths, 8, seed=1, epoch=0)  # a function of (seed, epoch)
    assert batches != shuffled_length_batches(lengths, 8, seed=1, epoch=1)
    in_order = [list(range(i, min(i + 8, 400))) for i in range(0, 400, 8)]
    assert padding_share(lengths, batches) < padding_share(lengths, in_order) / 3
