"""A fictional register for the sample town: households, their people and houses, the same for the same seed.

At the seeds' scale by default (about 35,000 people in 11,000 households, 5,600 houses); `scale` makes it larger
for the benchmark. Every name is drawn from common characters and every ID number is made up (a valid check digit
on a made-up birth date and sequence), so none is anybody's.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from hub.register.idcard import check_digit
from hub.register.model import HouseFields, HouseUse, PersonFields, Relation, Residence, Sex, Structure
from hub.town import Grid, Town

SURNAMES = "王李张刘陈杨黄赵周吴徐孙朱马胡郭林何高罗郑梁谢宋唐许邓冯韩曹曾彭萧蔡潘田董袁于余叶蒋杜苏魏程吕丁沈任姚卢"
GIVEN = ("伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉兰红梅"
         "建国志强小红海燕春生文德福荣桂芝凤珍淑兰佳琪子涵浩然宇轩欣怡")
STREETS = ("青溪路", "河西街", "茶山路", "新渡路", "竹坪巷", "桂岭路", "白鹭街", "荷塘路")
SIZES = (1, 2, 2, 2, 3, 3, 3, 3, 4, 4, 5, 6)  # household sizes, about 3.2 people each on average
DEFAULT_HOUSEHOLDS = 250
SAMPLE_TOWN_PEOPLE = 35_494  # what the sample town's file gives at SEEDS_SCALE (tests/integration/test_register_demo)
SEEDS_SCALE = 0.92  # the town file's households × this: about 11,000, as the seeds' town has


@dataclass
class SampleRegister:
    people: list[PersonFields] = field(default_factory=list)
    houses: list[HouseFields] = field(default_factory=list)


class _Maker:
    def __init__(self, town: Town, seed: int) -> None:
        self.rng = random.Random(seed)
        self.region = town.town.admin_code[:6]
        self.used: set[str] = set()
        self.out = SampleRegister()

    def name(self) -> str:
        return self.rng.choice(SURNAMES) + "".join(self.rng.choices(GIVEN, k=self.rng.choice((1, 2))))

    def id_number(self, year: int, sex: Sex) -> str:
        while True:
            birth = f"{year:04d}{self.rng.randint(1, 12):02d}{self.rng.randint(1, 28):02d}"
            sequence = self.rng.randrange(0, 500) * 2 + (1 if sex is Sex.male else 0)
            body = f"{self.region}{birth}{sequence:03d}"
            number = body + check_digit(body)
            if number not in self.used:
                self.used.add(number)
                return number

    def phone(self) -> str:
        return f"1{self.rng.choice('3456789')}{self.rng.randrange(10 ** 9):09d}"

    def house(self, grid: Grid, number: str, address: str, owner: str) -> None:
        rng = self.rng
        commercial = rng.random() < 0.18
        lon, lat = grid.polygon[0]
        self.out.houses.append(HouseFields(
            number=number, grid=grid.id, address=address, owner=owner, lon=round(lon + rng.uniform(0, 0.004), 6),
            lat=round(lat + rng.uniform(0, 0.004), 6), structure=rng.choice(list(Structure)[:4]),
            floors=rng.choice((1, 2, 2, 3, 3, 4, 5)), year_built=rng.randint(1975, 2024),
            use=HouseUse.commercial if commercial else rng.choice((HouseUse.own, HouseUse.own, HouseUse.rented)),
            commercial_selfbuilt=commercial and rng.random() < 0.9))

    def household(self, grid: Grid, index: int) -> None:
        rng = self.rng
        number = f"{grid.id}-H{index:05d}"
        house = f"{grid.id}-F{index // 2:05d}"
        address = f"{rng.choice(STREETS)}{index // 2 + 1}号"
        residence = rng.choices(list(Residence), weights=(90, 9, 1))[0]
        head_year = rng.randint(1945, 1995)
        members = [(Relation.head, head_year), (Relation.spouse, head_year + rng.randint(-4, 4)),
                   *((Relation.child, head_year + rng.randint(22, 34)) for _ in range(3)),
                   (Relation.parent, head_year - rng.randint(22, 30))]
        size = rng.choice(SIZES)
        people = [self.person(grid, relation, year, residence, address, number, house)
                  for relation, year in members[:size]]
        if index % 2 == 0:
            self.house(grid, house, address, people[0].name)
        self.out.people += people

    def person(self, grid: Grid, relation: Relation, year: int, residence: Residence, address: str,
               household: str, house: str) -> PersonFields:
        sex = self.rng.choice((Sex.male, Sex.female))
        year = min(year, 2025)
        number = (f"E{self.rng.randrange(10 ** 8):08d}" if residence is Residence.overseas
                  else self.id_number(year, sex))
        return PersonFields(name=self.name(), sex=sex, id_number=number,
                            phone=self.phone() if year < 2010 else None, residence=residence, grid=grid.id,
                            address=address, household=household, relation=relation, house=house)


def sample_register(town: Town, seed: int = 20260, scale: float = SEEDS_SCALE) -> SampleRegister:
    """The town's fictional register; *scale* multiplies the households of every grid."""
    maker = _Maker(town, seed)
    for grid in town.grids().values():
        for index in range(round((grid.households or DEFAULT_HOUSEHOLDS) * scale)):
            maker.household(grid, index)
    return maker.out
