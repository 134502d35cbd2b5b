"""What a photo's name says (``dlcv.data.cats_vs_dogs.names``): its class, from its nearest
class folder or else its prefix, and its place in a natural sort, for any name."""

import pytest

from dlcv.data.cats_vs_dogs.names import kind_from_name, natural_key


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("Cat/1.jpg", "cat"),  # a class folder, in any case, singular or plural
        ("photos/DOGS/x.png", "dog"),
        ("dog/cat.3.jpg", "dog"),  # the folder the user sorted it into, over its prefix
        ("cats/dogs/1.jpg", "dog"),  # the nearest class folder decides
        ("dogs/cats/1.jpg", "cat"),
        ("train/cat.0.jpg", "cat"),  # no class folder: the prefix (the Kaggle archive)
        ("Dog.12.JPG", "dog"),
    ],
)
def test_kind_from_name_reads_the_nearest_class_folder_then_the_prefix(name, kind):
    assert kind_from_name(name) == kind


@pytest.mark.parametrize(
    "name",
    ["bird.jpg", "catalogue.jpg", "cat", "dogfood/1.jpg", "concat/x.jpg", "cats.jpg/1.jpg",
     "", "\n", "猫/1.jpg", "a" * 255],
)
def test_kind_from_name_is_none_where_nothing_names_a_class(name):
    assert kind_from_name(name) is None


def test_natural_key_sorts_numbers_by_value():
    names = ["cat.10.jpg", "cat.2.jpg", "cat.1.jpg", "cat.007.jpg", "cat.0.jpg"]
    assert sorted(names, key=natural_key) == [
        "cat.0.jpg", "cat.1.jpg", "cat.2.jpg", "cat.007.jpg", "cat.10.jpg"
    ]
    assert natural_key("cat.02.jpg") != natural_key("cat.2.jpg")  # a strict order, no ties


def test_natural_key_takes_any_name_without_converting_its_digits():
    huge = "9" * 5000  # more digits than int() converts
    names = [f"{huge}.jpg", "1²2.jpg", "٣.jpg", "10.jpg", "2.jpg", "b", "a", ""]
    ordered = sorted(names, key=natural_key)
    assert ordered.index("2.jpg") < ordered.index("10.jpg") < ordered.index(f"{huge}.jpg")
    assert ordered.index("a") < ordered.index("b")
    assert sorted(reversed(names), key=natural_key) == ordered
