"""``python manage.py seed_demo``: the demo registry, built from the three Henan reports in the seed.

* 平顶山市: the "全链模式" — 23 built and 22 under-construction industry-chain stations on ten
  industry chains that together serve 21 parks, 92 cooperatives and close to a thousand
  enterprises; the tobacco station's "1+13" tree of sub-points.
* 安阳市林州市: one station for each of its 16 towns and 4 streets, with a weekly reception day.
* 开封市龙亭区北郊乡: 四季城人大代表联络点 with its 27 resident representatives of all five levels.

Then the intake history of the two years up to ``ANCHOR`` (:class:`Intake`): the tobacco
sub-points' 161 enterprise clues, the 86 enterprise problems raised at the 新华区 station since
2023, 四季城's reception days on the 20th of every month (150多人次 received by 80多人次 of
representatives) and its 30 opinions on property management, and eight weeks of 林州's weekly
reception days. The reception rules then schedule the next four weeks from the day of the run.

Then the closed loop (:class:`Loop`): each suggestion goes as far round 汇总梳理 → 分析研判 → 交办督办 →
反馈评价 as it would have got by ``ANCHOR``, on working-day dates — most of the older ones closed
with a rating, the recent ones spread over every stage, a few assignments overdue and one item
flagged (挂牌督办). Deadlines of what is still open follow the day of the run, so the supervision
colours are true whenever the demo is loaded; every demo login finds something in its inbox.

Everything is keyed on natural keys and compared before it is written, so a second run changes
nothing (not even ``updated_at``). Public codes and tracking codes come from
:func:`core.codes.stable_code`, so the demo URLs are the same on every machine. People's names
(representatives, citizens, visitors) are invented from character lists with a fixed random seed;
the real people named in the seed never appear.
"""

from __future__ import annotations

import random
import re
import time
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from datetime import time as clock
from decimal import Decimal

from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.management import create_permissions
from django.contrib.auth.models import Permission
from django.core.management.base import BaseCommand
from django.db import connection, models, transaction
from django.db.models import F, OuterRef, Subquery
from django.utils import timezone, translation
from django.utils.translation import gettext

from accounts.models import AdminDuty, Role
from core import workdays
from core.codes import TRACKING_CODE_LENGTH, stable_code
from representatives.models import CongressMembership, ProfessionalGroup, Representative, Residency
from stations.models import IndustryChain, ReceptionDay, ReceptionRule, Region, StandardItem, Station, Visit
from stations.reception import reception_days_generate
from suggestions.loop import actions as loop
from suggestions.models import (
    Assignment,
    Category,
    Channel,
    DeadlinePolicy,
    Event,
    ExtensionRequest,
    HandlingUnit,
    Outcome,
    Rating,
    Reply,
    Stage,
    Suggestion,
    Supervision,
    Urgency,
)
from suggestions.workflow import Action

DEMO_PASSWORD = "Liaison@2026"
RANDOM_SEED = 20240520

# Real people named in the seed text. Generated names must never reproduce them.
REAL_PEOPLE = frozenset({"杨国胜", "苗振宇", "付建梅"})

SURNAMES = (
    "王李张刘陈赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎余潘杜戴"
    "夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段钱汤尹易常武乔贺赖龚文牛申靳岳"
)
# Given names: a first and a second character by position, so that they read like names (建华, 秀英).
GIVEN = {
    "male": ("建志伟振文明永德海立宏春晓俊新庆长守克国金", "强华军明峰杰涛勇刚斌鹏飞平林东超辉生军亮"),
    "female": ("秀丽晓玉桂淑彩素春雪美海静慧翠红金凤", "英娟芳霞敏燕玲婷梅兰萍珍云凤琴荣洁红"),
}
BRANDS = tuple(
    "鑫源 恒达 华瑞 宏昌 金丰 润泽 远航 盛邦 汇通 嘉禾 瑞丰 宇森 "
    "天宇 博远 康达 中联 永盛 德润 同创 信诚 豫丰 创新 广源 立新".split()
)
VILLAGES = ("前庄", "后沟", "南岭", "北坡", "西峪", "东寨", "石门", "桃园", "柳林", "杏花", "槐荫", "清泉")
COMMUNITIES = ("红旗", "振兴", "和平", "兴华", "光明", "朝阳", "太行", "新村")
WEEKDAYS = "一二三四五"

LINZHOU_TOWNS = (
    "原康镇",
    "横水镇",
    "黄华镇",
    "陵阳镇",
    "东姚镇",
    "姚村镇",
    "河顺镇",
    "临淇镇",
    "五龙镇",
    "采桑镇",
    "合涧镇",
    "茶店镇",
    "任村镇",
    "东岗镇",
    "桂林镇",
    "石板岩镇",
)
LINZHOU_STREETS = ("开元街道", "振林街道", "龙山街道", "桂园街道")

LEVELS = ("city", "county", "township", "village")
REGION_TREE = {
    "平顶山市": {
        "宝丰县": ["周庄镇", "石桥镇", "商酒务镇", "赵庄镇", "杨庄镇", "前营乡"],
        "叶县": ["仙台镇", "龙泉乡", "任店镇", "廉村镇", "保安镇"],
        "鲁山县": ["张官营镇", "辛集乡", "尧山镇", "下汤镇"],
        "郏县": [
            "安良镇",
            "薛店镇",
            "长桥镇",
            "茨芭镇",
            "黄道镇",
            "李口镇",
            "王集乡",
            "渣园乡",
            "白庙乡",
            "冢头镇",
            "堂街镇",
        ],
        "舞钢市": ["尚店镇", "八台镇", "尹集镇"],
        "汝州市": ["蟒川镇", "纸坊镇", "温泉镇", "小屯镇", "寄料镇"],
        "新华区": ["焦店镇", "西高皇街道"],
        "卫东区": ["东高皇街道", "蒲城街道"],
        "湛河区": ["曹镇乡", "北渡街道", "荆山街道"],
        "石龙区": ["龙河街道", "高庄街道"],
    },
    "安阳市": {"林州市": [*LINZHOU_TOWNS, *LINZHOU_STREETS]},
    "开封市": {"龙亭区": {"北郊乡": ["四季城社区"]}},
}
AREA_CODES = {"平顶山市": "0375", "安阳市": "0372", "开封市": "0371"}

CITY_TERMS = {"平顶山市": "第十二届", "安阳市": "第十五届", "开封市": "第十五届"}
TERMS = {"national": "第十四届", "provincial": "第十四届", "county": "第十七届", "township": "第十八届"}

GROUPS = (
    ("财经", "预算决算、国有资产、金融服务与营商环境"),
    ("法制", "地方立法、执法检查与法治政府建设"),
    ("环保", "生态环境保护、污染防治与绿色发展"),
    ("农业农村", "乡村振兴、特色种养与农民专业合作社"),
    ("城乡建设", "城市更新、交通市政与老旧小区改造"),
    ("教科文卫", "教育、科技、文化与卫生健康"),
    ("社会建设", "民政养老、社区治理与物业管理"),
    ("民营经济", "民营企业发展、惠企政策落实与涉企问题"),
)

STANDARD_ITEMS = (
    ("3室1厅1中心", "接待室", "选民（群众）接待室"),
    ("3室1厅1中心", "会议室", "代表会议室"),
    ("3室1厅1中心", "档案室", "代表履职档案室"),
    ("3室1厅1中心", "议事厅", "代表议事、开门立法的议事厅"),
    ("3室1厅1中心", "服务中心", "为群众和企业办事的综合服务中心"),
    ("九有六簿一册", "有固定场所", "九有"),
    ("九有六簿一册", "有统一标识", "九有"),
    ("九有六簿一册", "有工作制度", "九有：职责、接待流程等制度上墙"),
    ("九有六簿一册", "有专人管理", "九有"),
    ("九有六簿一册", "有办公设施", "九有"),
    ("九有六簿一册", "有工作经费", "九有"),
    ("九有六簿一册", "有活动计划", "九有"),
    ("九有六簿一册", "有代表公示栏", "九有：代表亮身份、一人一码"),
    ("九有六簿一册", "有意见箱", "九有"),
    ("九有六簿一册", "接待登记簿", "六簿"),
    ("九有六簿一册", "意见建议办理簿", "六簿"),
    ("九有六簿一册", "活动记录簿", "六簿"),
    ("九有六簿一册", "代表履职登记簿", "六簿"),
    ("九有六簿一册", "学习培训记录簿", "六簿"),
    ("九有六簿一册", "工作会议记录簿", "六簿"),
    ("九有六簿一册", "代表花名册", "一册"),
    ("四得", "看得见牌", "站牌醒目，群众看得见"),
    ("四得", "进得了门", "开在群众家门口，进得了门"),
    ("四得", "找得到人", "代表信息公开，找得到人"),
    ("四得", "说得了事", "意见建议有人听、有回音"),
)


@dataclass(frozen=True)
class Chain:
    name: str
    label: str  # the word used in station names
    parks: int
    enterprises: int
    cooperatives: int
    company: str  # what the head's enterprise is called after place + brand
    head_title: str
    description: str


# The seed: 21 parks, close to a thousand enterprises (近千家), 92 cooperatives; 渔具 has 120+ enterprises.
CHAINS = (
    Chain(
        "渔具",
        "渔具",
        2,
        126,
        3,
        "渔具有限公司",
        "董事长",
        "宝丰渔具带动渔具供应链基地5个、生产企业120余家，培育品牌80余个。",
    ),
    Chain(
        "家具",
        "家具",
        2,
        51,
        0,
        "家具有限公司",
        "董事长",
        "叶县家具产业园已引进16家企业入驻，配套落地上下游企业35家，年产家具40余万套、产值突破10亿元。",
    ),
    Chain("种植", "种植", 3, 88, 24, "农业科技有限公司", "董事长", "粮食、中药材、林果等特色种植。"),
    Chain("养殖", "养殖", 2, 73, 18, "牧业有限公司", "董事长", "肉牛、生猪、家禽等规模养殖。"),
    Chain(
        "陶瓷（汝瓷）",
        "汝瓷",
        3,
        168,
        2,
        "汝瓷文化有限公司",
        "董事长",
        "汝瓷烧制、研发与文化创意；《平顶山市汝瓷文化保护条例》制定中征求立法意见72条。",
    ),
    Chain(
        "烟叶",
        "烟叶",
        1,
        12,
        17,
        "烟叶种植专业合作社",
        "理事长",
        "烟叶种植与烘烤；首个烟叶产业“农家式”代表联络站，“1+13”树状联通模式。",
    ),
    Chain("鸽业", "鸽业", 1, 21, 6, "鸽业科技有限公司", "董事长", "肉鸽养殖、加工与鸽业科技园。"),
    Chain("食用菌", "食用菌", 2, 64, 15, "食用菌有限公司", "董事长", "香菇、羊肚菌等食用菌种植与加工。"),
    Chain("尼龙新材料", "尼龙新材料", 3, 205, 0, "尼龙新材料有限公司", "董事长", "尼龙化工、尼龙纤维及制品。"),
    Chain("商贸服务", "商贸服务", 2, 178, 7, "商贸有限公司", "董事长", "商贸流通、现代物流与生产性服务业。"),
)
CHAINS_BY_NAME = {chain.name: chain for chain in CHAINS}
CHAINS_BY_LABEL = {chain.label: chain for chain in CHAINS}

BUILT = Station.Status.BUILT
UNDER_CONSTRUCTION = Station.Status.UNDER_CONSTRUCTION


@dataclass(frozen=True)
class ChainStation:
    county: str
    town: str  # "" when the station sits at county level
    chain: str  # a Chain.label
    status: str
    name: str = ""  # when it is not "<town or county><chain>产业代表联络站"
    legislative: bool = False


TOBACCO_STATION = "郏县烟叶产业“农家式”代表联络站"
# fmt: off
PINGDINGSHAN_STATIONS = (
    # 23 built
    ChainStation("宝丰县", "", "渔具", BUILT),
    ChainStation("宝丰县", "周庄镇", "渔具", BUILT),
    ChainStation("宝丰县", "石桥镇", "种植", BUILT),
    ChainStation("宝丰县", "商酒务镇", "食用菌", BUILT),
    ChainStation("叶县", "", "家具", BUILT),
    ChainStation("叶县", "仙台镇", "养殖", BUILT),
    ChainStation("叶县", "龙泉乡", "尼龙新材料", BUILT),
    ChainStation("鲁山县", "", "食用菌", BUILT),
    ChainStation("鲁山县", "张官营镇", "种植", BUILT),
    ChainStation("鲁山县", "辛集乡", "养殖", BUILT),
    ChainStation("郏县", "", "烟叶", BUILT, name=TOBACCO_STATION),
    ChainStation("郏县", "安良镇", "养殖", BUILT),
    ChainStation("舞钢市", "", "鸽业", BUILT),
    ChainStation("舞钢市", "尚店镇", "种植", BUILT),
    ChainStation("汝州市", "", "汝瓷", BUILT, legislative=True),
    ChainStation("汝州市", "蟒川镇", "汝瓷", BUILT),
    ChainStation("汝州市", "纸坊镇", "养殖", BUILT),
    ChainStation("新华区", "", "商贸服务", BUILT, name="新华区产业代表联络站"),
    ChainStation("新华区", "焦店镇", "种植", BUILT),
    ChainStation("卫东区", "", "商贸服务", BUILT),
    ChainStation("湛河区", "", "尼龙新材料", BUILT),
    ChainStation("湛河区", "曹镇乡", "种植", BUILT),
    ChainStation("石龙区", "", "商贸服务", BUILT, name="石龙区产业代表联络站"),
    # 22 under construction
    ChainStation("宝丰县", "赵庄镇", "渔具", UNDER_CONSTRUCTION),
    ChainStation("宝丰县", "杨庄镇", "养殖", UNDER_CONSTRUCTION),
    ChainStation("宝丰县", "前营乡", "种植", UNDER_CONSTRUCTION),
    ChainStation("叶县", "任店镇", "家具", UNDER_CONSTRUCTION),
    ChainStation("叶县", "廉村镇", "种植", UNDER_CONSTRUCTION),
    ChainStation("叶县", "保安镇", "养殖", UNDER_CONSTRUCTION),
    ChainStation("鲁山县", "尧山镇", "食用菌", UNDER_CONSTRUCTION),
    ChainStation("鲁山县", "下汤镇", "种植", UNDER_CONSTRUCTION),
    ChainStation("郏县", "薛店镇", "种植", UNDER_CONSTRUCTION),
    ChainStation("郏县", "长桥镇", "烟叶", UNDER_CONSTRUCTION),
    ChainStation("舞钢市", "八台镇", "养殖", UNDER_CONSTRUCTION),
    ChainStation("舞钢市", "尹集镇", "鸽业", UNDER_CONSTRUCTION),
    ChainStation("汝州市", "温泉镇", "种植", UNDER_CONSTRUCTION),
    ChainStation("汝州市", "小屯镇", "商贸服务", UNDER_CONSTRUCTION),
    ChainStation("汝州市", "寄料镇", "食用菌", UNDER_CONSTRUCTION),
    ChainStation("新华区", "西高皇街道", "商贸服务", UNDER_CONSTRUCTION),
    ChainStation("卫东区", "东高皇街道", "尼龙新材料", UNDER_CONSTRUCTION),
    ChainStation("卫东区", "蒲城街道", "养殖", UNDER_CONSTRUCTION),
    ChainStation("湛河区", "北渡街道", "养殖", UNDER_CONSTRUCTION),
    ChainStation("湛河区", "荆山街道", "商贸服务", UNDER_CONSTRUCTION),
    ChainStation("石龙区", "龙河街道", "种植", UNDER_CONSTRUCTION),
    ChainStation("石龙区", "高庄街道", "商贸服务", UNDER_CONSTRUCTION),
)
# fmt: on
# What the seed says about particular stations, keyed by (county, town).
PINGDINGSHAN_NOTES = {
    ("宝丰县", ""): "坚持“四必建”原则建在渔具产业链上，带动渔具供应链基地5个、生产企业120余家，培育品牌80余个。",
    ("叶县", ""): (
        "聘请县家具制造协会会长担任站长，以商招商，已引进16家企业入驻园区，"
        "配套落地上下游企业35家，年产家具40余万套、产值突破10亿元。"
    ),
    ("郏县", ""): (
        "全市首个烟叶产业“农家式”代表联络站，依托种植大户设立13个代表联络点，"
        "形成“1+13”树状联通模式，通过“末梢神经”已收集涉企问题线索161条。"
    ),
    ("舞钢市", ""): (
        "通过“汇总梳理→分析研判→交办督办→反馈评价”闭环督办机制，仅用42天完成鸽业科技园"
        "征地拆迁任务，协调解决水电气等问题67个。"
    ),
    ("汝州市", ""): (
        "“基层立法联系点＋代表联络站”站点融合平台，在《平顶山市汝瓷文化保护条例》制定过程中征求立法意见72条。"
    ),
    ("新华区", ""): ("常态化服务企业，2023年以来已推动解决制约企业发展问题86个，联系金融机构提供无息贷款750万元。"),
}

# The "1+13": liaison points at large tobacco growers (种植大户) in 郏县's townships.
TOBACCO_POINTS = (
    ("茨芭镇", "东孙庄"),
    ("茨芭镇", "西马庄"),
    ("黄道镇", "前张营"),
    ("黄道镇", "后刘营"),
    ("李口镇", "北李寨"),
    ("王集乡", "南王庄"),
    ("王集乡", "大陈庄"),
    ("渣园乡", "小赵庄"),
    ("白庙乡", "高庙"),
    ("冢头镇", "石羊"),
    ("堂街镇", "槐树"),
    ("长桥镇", "柳园"),
    ("薛店镇", "枣林"),
)

LINZHOU_NOTES = {
    "原康镇": "采取“线上＋线下”“站内站外”等方式推进“代表亮身份”，用制度保障代表全天候联系群众。",
    "横水镇": "通过“民生微信群”和“两代表一委员建议群”，群众意见第一时间收集、第一时间反映。",
    "黄华镇": "组织代表小组助力文明城市创建、乡村振兴，开展对镇直部门评议活动。",
    "陵阳镇": "组织召开群众代表民主协商会，帮助政府科学制定老旧小区改造方案，林钢社区改造顺利完成。",
    "东姚镇": "倡导代表做好宣传员、服务员、监督员，群众反映的矛盾纠纷做到知转办单位、知责任人员、知办理结果。",
}

# Members of an industry-chain station other than its head: (occupation template, group).
INDUSTRY_ROLES = (
    ("{company}总经理", "民营经济"),
    ("{company}财务总监", "财经"),
    ("{place}{label}行业协会秘书长", "财经"),
    ("{area}{label}专业合作社理事长", "农业农村"),
    ("{company}安全环保部经理", "环保"),
    ("{area}{label}产业园区管委会副主任", "城乡建设"),
    ("河南{brand}律师事务所律师", "法制"),
    ("{place}职业技术学校{label}专业教师", "教科文卫"),
    ("{company}技术工人", "民营经济"),
)
# Members of a Linzhou township or street station other than its head.
TOWNSHIP_ROLES = (
    ("{area}{cell}党支部书记", "农业农村"),
    ("{area}中心学校校长", "教科文卫"),
    ("{clinic}医生", "教科文卫"),
    ("林州市{brand}建筑工程有限公司总经理", "城乡建设"),
    ("{area}{brand}农民专业合作社理事长", "农业农村"),
    ("{area}司法所人民调解员", "法制"),
    ("{area}个体工商户", "民营经济"),
    ("林州市{brand}环保科技有限公司工程师", "环保"),
    ("{area}财政所会计", "财经"),
    ("{area}{cell}网格员", "社会建设"),
)
# 四季城's 27 representatives: occupation, group, the congress levels they sit in (五级 + 跨级别).
SIJICHENG_REPRESENTATIVES = (
    ("开封{brand}置业有限公司董事长", "民营经济", ("city", "county")),
    ("河南{brand}律师事务所主任", "法制", ("provincial", "city")),
    ("开封{brand}食品有限公司总经理", "民营经济", ("national",)),
    ("开封{brand}物业服务有限公司总经理", "社会建设", ("provincial",)),
    ("开封市{brand}实验学校教师", "教科文卫", ("city",)),
    ("开封{brand}医院主任医师", "教科文卫", ("city",)),
    ("开封{brand}建设工程有限公司项目经理", "城乡建设", ("city",)),
    ("开封{brand}会计师事务所注册会计师", "财经", ("city",)),
    ("开封{brand}环保科技有限公司工程师", "环保", ("city", "county")),
    ("龙亭区{brand}小学校长", "教科文卫", ("county",)),
    ("北郊乡卫生院医生", "教科文卫", ("county", "township")),
    ("四季城社区党委书记", "社会建设", ("county", "township")),
    ("开封市公交公司驾驶员", "城乡建设", ("county",)),
    ("龙亭区{brand}商贸有限公司总经理", "民营经济", ("county",)),
    ("河南{brand}律师事务所律师", "法制", ("county",)),
    ("龙亭区{brand}蔬菜专业合作社理事长", "农业农村", ("county",)),
    ("开封市{brand}社会工作服务中心主任", "社会建设", ("county",)),
    ("北郊乡{village}村党支部书记", "农业农村", ("township",)),
    ("北郊乡{village}村党支部书记", "农业农村", ("township",)),
    ("四季城小区业主委员会主任", "社会建设", ("township",)),
    ("北郊乡个体工商户", "民营经济", ("township",)),
    ("北郊乡中心学校教师", "教科文卫", ("township",)),
    ("北郊乡{brand}养殖专业合作社理事长", "农业农村", ("township",)),
    ("四季城社区网格员", "社会建设", ("township",)),
    ("北郊乡司法所人民调解员", "法制", ("township",)),
    ("开封{brand}装饰工程有限公司经理", "城乡建设", ("township",)),
    ("开封{brand}生态农业有限公司技术员", "环保", ("township",)),
)
SIJICHENG = "四季城人大代表联络点"
SIJICHENG_DESCRIPTION = (
    "由人大代表自行发起、依靠社会力量建设和保障的新型代表履职平台。遵循“四得”标准，本着“四自”初心"
    "（自发创建，自愿驻点，自行保障，自觉活动），凭借“四跨”优势（跨选区、跨级别、跨行业、跨层次），"
    "构建“27＋10＋10＋N”工作格局，探索“群众点单、代表派单、政府接单、群众评单”闭环处理模式。"
)

PINGDINGSHAN_UNITS = (
    ("平顶山市教育体育局", "市教体局"),
    ("平顶山市住房和城乡建设局", "市住建局"),
    ("平顶山市自然资源和规划局", "市自然资源规划局"),
    ("平顶山市生态环境局", "市生态环境局"),
    ("平顶山市工业和信息化局", "市工信局"),
    ("平顶山市市场监督管理局", "市市场监管局"),
    ("平顶山市人力资源和社会保障局", "市人社局"),
    ("平顶山市交通运输局", "市交通运输局"),
    ("平顶山市农业农村局", "市农业农村局"),
    ("平顶山市商务局", "市商务局"),
    ("平顶山市发展和改革委员会", "市发改委"),
    ("平顶山市财政局", "市财政局"),
    ("平顶山市水利局", "市水利局"),
    ("平顶山市城市管理局", "市城管局"),
)
LINZHOU_UNITS = (
    ("林州市住房和城乡建设局", "林州市住建局"),
    ("林州市水利局", "林州市水利局"),
    ("林州市农业农村局", "林州市农业农村局"),
    ("林州市教育体育局", "林州市教体局"),
    ("林州市自然资源和规划局", "林州市自然资源规划局"),
    ("林州市交通运输局", "林州市交通运输局"),
    ("林州市卫生健康委员会", "林州市卫健委"),
    ("林州市市场监督管理局", "林州市市场监管局"),
    ("林州市民政局", "林州市民政局"),
)
KAIFENG_UNITS = (
    ("开封市教育体育局", "市教体局"),
    ("开封市住房和城乡建设局", "市住建局"),
    ("开封市人民防空办公室", "市国动办"),
    ("开封市城市管理局", "市城管局"),
    ("开封市交通运输局", "市交通运输局"),
    ("开封市自然资源和规划局", "市自然资源规划局"),
    ("开封市卫生健康委员会", "市卫健委"),
    ("开封市市场监督管理局", "市市场监管局"),
    ("开封市民政局", "市民政局"),
)
DEMO_HANDLER_UNIT = "开封市住房和城乡建设局"


def _text_width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _text_width(text))


def _is_street(region_name: str) -> bool:
    """Streets (街道) have no congress of their own: their representatives sit in the county's."""
    return region_name.endswith("街道")


def _place(county: str) -> str:
    """The place word in a company name: 宝丰县 → 宝丰, 叶县 → 叶县, a city district → 平顶山."""
    if county.endswith("区"):
        return "平顶山"
    return county[:-1] if len(county) > 2 else county


@dataclass
class Login:
    username: str
    role: Role | AdminDuty
    scope: str


@dataclass
class Tally:
    created: Counter = field(default_factory=Counter)
    updated: Counter = field(default_factory=Counter)

    def total(self, counter: Counter) -> int:
        return sum(counter.values())


class Seeder:
    """Builds the demo registry. Random choices never depend on what the database already holds."""

    def __init__(self):
        self.rng = random.Random(RANDOM_SEED)
        self.used_names: set[str] = set(REAL_PEOPLE)
        self.tally = Tally()
        self.fresh: set[tuple[type, int]] = set()
        self.regions: dict[tuple[str, ...], Region] = {}
        self.groups: dict[str, ProfessionalGroup] = {}
        self.items: list[StandardItem] = []
        self.chains: dict[str, IndustryChain] = {}
        self.residencies: list[tuple[Representative, Station, date]] = []
        self.stations: dict[tuple[str, str], Station] = {}  # (region full name, station name)
        self.seats: list[tuple[Representative, str, str, Region | None]] = []

    # Writing ----------------------------------------------------------------

    def upsert(self, model, lookup: dict, values: dict):
        """Get by ``lookup``; create it, or save only the ``values`` that differ (nothing if none do)."""
        obj = model.objects.filter(**lookup).order_by("pk").first()
        if obj is None:
            obj = model(**lookup, **values)
            obj.save()
            self.tally.created[model._meta.model_name] += 1
            self.fresh.add((model, obj.pk))
            return obj
        changed = []
        for name, value in values.items():
            model_field = model._meta.get_field(name)
            new = value.pk if isinstance(value, models.Model) else value
            if getattr(obj, model_field.attname) != new:
                setattr(obj, model_field.attname, new)
                changed.append(model_field.name)
        if changed:
            changed += [f.name for f in model._meta.concrete_fields if getattr(f, "auto_now", False)]
            obj.save(update_fields=changed)
            if (model, obj.pk) not in self.fresh:  # a head set on a station made this run is no "update"
                self.tally.updated[model._meta.model_name] += 1
        return obj

    # Invented data ----------------------------------------------------------

    def person_name(self, gender: str, rng: random.Random | None = None) -> str:
        rng = rng or self.rng
        first, second = GIVEN[gender]
        while True:
            surname = rng.choice(SURNAMES)
            if rng.random() < 0.15:
                given = rng.choice(second)
            else:
                given = rng.choice(first) + rng.choice(second)
            name = surname + given
            # used_names starts out as REAL_PEOPLE, so the seed's real names are never produced.
            if name in self.used_names or (len(given) == 2 and given[0] == given[1]):
                continue
            self.used_names.add(name)
            return name

    def gender(self, female_share: float = 0.35) -> str:
        return Representative.Gender.FEMALE if self.rng.random() < female_share else Representative.Gender.MALE

    def mobile(self) -> str:
        return f"139{self.rng.randrange(10**8):08d}"

    def landline(self, city: str) -> str:
        return f"{AREA_CODES[city]}-{self.rng.randint(2000000, 8999999)}"

    def since(self, first_year: int) -> date:
        return date(self.rng.randint(first_year, 2024), self.rng.randint(1, 12), 1)

    def items_met(self, *, complete: bool = False, missing: int = 0, share: float = 1.0, only=None):
        """A plausible subset of the checklist: all of it, all but ``missing`` items, or about ``share``."""
        pool = [item for item in self.items if only is None or item.name in only]
        if complete:
            return pool
        if share < 1.0:
            return [item for item in pool if self.rng.random() < share]
        dropped = set(self.rng.sample([i.pk for i in pool if i.group != "四得"], missing))
        return [item for item in pool if item.pk not in dropped]

    # Building ---------------------------------------------------------------

    def run(self) -> list[Login]:
        self.build_regions(REGION_TREE, parent=None, path=(), depth=0)
        self.build_reference_data()
        self.build_pingdingshan()
        self.build_linzhou()
        sijicheng, sijicheng_head = self.build_sijicheng()
        self.write_residencies_and_seats()
        self.build_units()
        logins = self.build_logins(sijicheng, sijicheng_head)
        # Last, and with random generators of their own: the registry above draws exactly as before.
        intake = Intake(self)
        intake.run()
        Loop(self, intake).run()
        ActivitySeeder(self).run()
        return logins

    def build_regions(self, node, parent, path, depth):
        children_of = node.items() if isinstance(node, dict) else ((name, ()) for name in node)
        for name, children in children_of:
            region = self.upsert(Region, {"parent": parent, "name": name}, {"level": LEVELS[depth]})
            self.regions[(*path, name)] = region
            self.build_regions(children, region, (*path, name), depth + 1)

    def build_reference_data(self):
        for key, description in GROUPS:
            self.groups[key] = self.upsert(
                ProfessionalGroup, {"name": f"{key}专业代表小组"}, {"description": description}
            )
        for order, (group, name, description) in enumerate(STANDARD_ITEMS, start=1):
            self.items.append(
                self.upsert(StandardItem, {"group": group, "name": name}, {"description": description, "order": order})
            )
        for chain in CHAINS:
            self.chains[chain.label] = self.upsert(
                IndustryChain,
                {"name": chain.name},
                {
                    "description": chain.description,
                    "parks_count": chain.parks,
                    "enterprises_count": chain.enterprises,
                    "cooperatives_count": chain.cooperatives,
                },
            )

    def station(self, region: Region, name: str, *, items, head=None, **values) -> Station:
        station = self.upsert(
            Station,
            {"region": region, "name": name},
            {"code": stable_code(f"demo-station:{region.full_name}/{name}"), **values},
        )
        station.standard_items_met.set(items)
        self.stations[(region.full_name, name)] = station
        return station

    def representative(self, key: str, *, gender: str, occupation: str, group: str) -> Representative:
        name = self.person_name(gender)
        return self.upsert(
            Representative,
            {"code": stable_code(f"demo-representative:{key}")},
            {
                "name": name,
                "gender": gender,
                "occupation": occupation,
                "group": self.groups[group],
                "phone": self.mobile(),
            },
        )

    def seat(self, rep: Representative, levels, *, city: Region, county: Region, town: Region | None):
        by_level = {"national": None, "provincial": None, "city": city, "county": county, "township": town}
        for level in levels:
            term = CITY_TERMS[city.name] if level == "city" else TERMS[level]
            self.seats.append((rep, level, term, by_level[level]))

    def reside(self, rep: Representative, station: Station, first_year: int):
        self.residencies.append((rep, station, self.since(first_year)))

    def set_head(self, station: Station, head: Representative):
        self.upsert(Station, {"pk": station.pk}, {"head": head})

    def build_pingdingshan(self):
        city = self.regions[("平顶山市",)]
        for spec in PINGDINGSHAN_STATIONS:
            chain = CHAINS_BY_LABEL[spec.chain]
            county = self.regions[("平顶山市", spec.county)]
            town = self.regions[("平顶山市", spec.county, spec.town)] if spec.town else None
            area = spec.town or spec.county
            name = spec.name or f"{area}{chain.label}产业代表联络站"
            built = spec.status == BUILT
            if built:
                items = self.items_met(complete=True)  # "产业联络站均建设有3室1厅1中心，实现九有六簿一册"
                description = PINGDINGSHAN_NOTES.get((spec.county, spec.town)) or (
                    f"建在{chain.label}产业链上的代表联络站，实行“一人一码”“一站一码”，"
                    "组织代表进园区、进企业、进工地、进乡村。"
                )
            else:
                items = self.items_met(share=0.45)
                description = PINGDINGSHAN_NOTES.get((spec.county, spec.town)) or (
                    f"按照“四必建”原则推进建设，建成后服务{area}{chain.label}产业园区、企业和专业合作社。"
                )
            station = self.station(
                town or county,
                name,
                items=items,
                kind=Station.Kind.INDUSTRY_CHAIN,
                status=spec.status,
                parent=None,
                industry_chain=self.chains[chain.label],
                address=f"{spec.county}{spec.town}{chain.label}产业园区综合服务楼",
                opening_hours="工作日 8:30-12:00、14:30-17:30；每周四上午代表接待企业" if built else "",
                phone=self.landline("平顶山市"),
                description=description,
                is_legislative_contact_point=spec.legislative,
            )
            if not built:
                continue
            residents = self.chain_station_residents(station, spec, chain, city=city, county=county, town=town)
            self.set_head(station, residents[0])
            if name == TOBACCO_STATION:
                self.build_tobacco_points(station, residents, city=city, county=county)

    def chain_station_residents(self, station, spec, chain, *, city, county, town) -> list[Representative]:
        key = f"{station.region.full_name}/{station.name}"
        place = _place(spec.county)
        area = spec.town or spec.county
        head_company = f"{place}{self.rng.choice(BRANDS)}{chain.company}"
        head_title = f"{head_company}{chain.head_title}"
        if spec.county == "叶县" and chain.label == "家具" and not spec.town:
            head_title = f"叶县家具制造协会会长、{head_title}"  # "聘请县家具制造协会会长担任站长"
        head = self.representative(f"{key}/0", gender=self.gender(0.2), occupation=head_title, group="民营经济")
        head_levels = self.rng.choice([("city",), ("city",), ("provincial", "city")]) if not town else ("county",)
        self.seat(head, head_levels, city=city, county=county, town=town)
        residents = [head]
        count = self.rng.randint(3, 6)
        roles = [role for role in INDUSTRY_ROLES if chain.cooperatives or "合作社" not in role[0]]
        for index, (template, group) in enumerate(self.rng.sample(roles, count - 1), start=1):
            brand = self.rng.choice(BRANDS)
            occupation = template.format(
                company=f"{place}{brand}{chain.company}", brand=brand, place=place, area=area, label=chain.label
            )
            rep = self.representative(f"{key}/{index}", gender=self.gender(), occupation=occupation, group=group)
            self.seat(rep, self.member_levels(town), city=city, county=county, town=town)
            residents.append(rep)
        for rep in residents:
            self.reside(rep, station, 2022)
        return residents

    def member_levels(self, town: Region | None):
        if town is None or _is_street(town.name):
            options = [("county",), ("city",), ("city", "county"), ("provincial",)]
        else:
            options = [("township",), ("county",), ("county", "township"), ("city",)]
        return self.rng.choices(options, weights=[5, 4, 2, 1])[0]

    def build_tobacco_points(self, station: Station, parent_residents: list[Representative], *, city, county):
        for index, (town_name, village) in enumerate(TOBACCO_POINTS):
            town = self.regions[("平顶山市", "郏县", town_name)]
            point = self.station(
                town,
                f"{village}村烟叶种植大户代表联络点",
                items=self.items_met(
                    only={
                        "看得见牌",
                        "进得了门",
                        "找得到人",
                        "说得了事",
                        "有统一标识",
                        "有代表公示栏",
                        "接待登记簿",
                        "代表花名册",
                    }
                ),
                kind=Station.Kind.INDUSTRY_CHAIN,
                status=BUILT,
                parent=station,
                industry_chain=station.industry_chain,
                address=f"郏县{town_name}{village}村",
                opening_hours="烟叶种植、烘烤季节随时接待；每月10日代表走访种植户",
                phone=self.landline("平顶山市"),
                description=f"“1+13”树状联通模式的末梢：设在{village}村烟叶种植大户家中的代表联络点。",
                is_legislative_contact_point=False,
            )
            grower = self.representative(
                f"{point.region.full_name}/{point.name}/0",
                gender=self.gender(0.25),
                occupation=f"郏县{town_name}{village}村烟叶种植大户",
                group="农业农村",
            )
            self.seat(grower, ("township",), city=city, county=county, town=town)
            self.reside(grower, point, 2023)
            for offset in (0, 1):  # the parent station's representatives take turns at the points
                self.reside(parent_residents[(2 * index + offset) % len(parent_residents)], point, 2023)
            self.set_head(point, grower)

    def build_linzhou(self):
        city = self.regions[("安阳市",)]
        county = self.regions[("安阳市", "林州市")]
        for index, area in enumerate((*LINZHOU_TOWNS, *LINZHOU_STREETS)):
            town = self.regions[("安阳市", "林州市", area)]
            street = _is_street(area)
            weekday = WEEKDAYS[index % len(WEEKDAYS)]
            station = self.station(
                town,
                f"{area}人大代表联络站",
                items=self.items_met(missing=self.rng.randint(0, 2)),
                kind=Station.Kind.TOWNSHIP,
                status=BUILT,
                parent=None,
                industry_chain=None,
                address=f"林州市{area}{'办事处' if street else '人民政府'}院内便民服务中心一楼",
                opening_hours=(
                    f"工作日 8:30-12:00、14:30-17:30；每周{weekday}上午代表接待日（每周固定一天，3至5名代表进站）"
                ),
                phone=self.landline("安阳市"),
                description=LINZHOU_NOTES.get(
                    area, "坚持“代表接待日”制度，听民声、知民情、帮民困、解民忧，使群众不出镇、街道就可向代表反映诉求。"
                ),
                is_legislative_contact_point=False,
            )
            key = f"{town.full_name}/{station.name}"
            head_title = f"{area}人大工委主任" if street else f"{area}人大主席团主席"
            head = self.representative(f"{key}/0", gender=self.gender(), occupation=head_title, group="法制")
            self.seat(head, ("county",) if street else ("county", "township"), city=city, county=county, town=town)
            residents = [head]
            count = self.rng.randint(3, 6)
            cell = f"{self.rng.choice(COMMUNITIES)}社区" if street else f"{self.rng.choice(VILLAGES)}村"
            clinic = f"{area}社区卫生服务中心" if street else f"{area}卫生院"
            for number, (template, group) in enumerate(self.rng.sample(TOWNSHIP_ROLES, count - 1), start=1):
                occupation = template.format(area=area, cell=cell, clinic=clinic, brand=self.rng.choice(BRANDS))
                rep = self.representative(f"{key}/{number}", gender=self.gender(), occupation=occupation, group=group)
                self.seat(rep, self.member_levels(town), city=city, county=county, town=town)
                residents.append(rep)
            for rep in residents:
                self.reside(rep, station, 2021)
            self.set_head(station, head)

    def build_sijicheng(self) -> tuple[Station, Representative]:
        city = self.regions[("开封市",)]
        county = self.regions[("开封市", "龙亭区")]
        town = self.regions[("开封市", "龙亭区", "北郊乡")]
        community = self.regions[("开封市", "龙亭区", "北郊乡", "四季城社区")]
        station = self.station(
            community,
            SIJICHENG,
            items=self.items_met(
                only={"接待室", "会议室", "档案室", "议事厅", *(i.name for i in self.items if i.group != "3室1厅1中心")}
            ),
            kind=Station.Kind.COMMUNITY,
            status=BUILT,
            parent=None,
            industry_chain=None,
            address="龙亭区北郊乡四季城小区东门临街房",
            opening_hours="工作日 9:00-17:00 专职工作人员值守；每月20日代表接待日（9:00-11:30）",
            phone=self.landline("开封市"),
            description=SIJICHENG_DESCRIPTION,
            is_legislative_contact_point=True,
        )
        key = f"{community.full_name}/{SIJICHENG}"
        residents = []
        for index, (template, group, levels) in enumerate(SIJICHENG_REPRESENTATIVES):
            occupation = template.format(brand=self.rng.choice(BRANDS), village=self.rng.choice(VILLAGES))
            rep = self.representative(f"{key}/{index}", gender=self.gender(0.4), occupation=occupation, group=group)
            self.seat(rep, levels, city=city, county=county, town=town)
            self.reside(rep, station, 2021)
            residents.append(rep)
        self.set_head(station, residents[0])
        return station, residents[0]

    def write_residencies_and_seats(self):
        """The two link tables in bulk: only the missing rows are inserted, stale regions corrected."""
        station_ids = {station.pk for _, station, _ in self.residencies}
        existing = set(
            Residency.objects.filter(station_id__in=station_ids).values_list("representative_id", "station_id")
        )
        new_residencies, seen = [], set(existing)
        for rep, station, since in self.residencies:
            if (rep.pk, station.pk) not in seen:
                seen.add((rep.pk, station.pk))
                new_residencies.append(Residency(representative=rep, station=station, since=since))
        Residency.objects.bulk_create(new_residencies)
        self.tally.created["residency"] += len(new_residencies)

        rep_ids = {rep.pk for rep, *_ in self.seats}
        current = {
            (m.representative_id, m.level, m.term): m
            for m in CongressMembership.objects.filter(representative_id__in=rep_ids)
        }
        new_seats, stale = [], []
        for rep, level, term, region in self.seats:
            region_id = region.pk if region else None
            membership = current.get((rep.pk, level, term))
            if membership is None:
                membership = CongressMembership(representative=rep, level=level, term=term, region_id=region_id)
                current[(rep.pk, level, term)] = membership
                new_seats.append(membership)
            elif membership.region_id != region_id:
                membership.region_id = region_id
                stale.append(membership)
        CongressMembership.objects.bulk_create(new_seats)
        CongressMembership.objects.bulk_update(stale, ["region"])
        self.tally.created["congressmembership"] += len(new_seats)
        self.tally.updated["congressmembership"] += len(stale)

    def build_units(self):
        def unit(region, name, short_name, city):
            self.upsert(
                HandlingUnit,
                {"region": region, "name": name},
                {"short_name": short_name, "phone": self.landline(city)},
            )

        pingdingshan = self.regions[("平顶山市",)]
        for name, short_name in PINGDINGSHAN_UNITS:
            unit(pingdingshan, name, short_name, "平顶山市")
        for county in REGION_TREE["平顶山市"]:
            unit(self.regions[("平顶山市", county)], f"{county}人民政府", f"{county}政府", "平顶山市")
        linzhou = self.regions[("安阳市", "林州市")]
        for name, short_name in LINZHOU_UNITS:
            unit(linzhou, name, short_name, "安阳市")
        for area in (*LINZHOU_TOWNS, *LINZHOU_STREETS):
            office = f"{area}办事处" if _is_street(area) else f"{area}人民政府"
            unit(self.regions[("安阳市", "林州市", area)], office, area, "安阳市")
        kaifeng = self.regions[("开封市",)]
        for name, short_name in KAIFENG_UNITS:
            unit(kaifeng, name, short_name, "开封市")
        unit(self.regions[("开封市", "龙亭区")], "龙亭区人民政府", "龙亭区政府", "开封市")
        unit(self.regions[("开封市", "龙亭区", "北郊乡")], "北郊乡人民政府", "北郊乡政府", "开封市")

    # Logins -----------------------------------------------------------------

    def user(self, username: str, full_name: str, *, is_staff: bool = False, admin_duty: str = ""):
        """The password is set only when the account is created: a second run never rehashes it."""
        user_model = get_user_model()
        values = {
            "full_name": full_name,
            "is_staff": is_staff,
            "is_active": True,
            "email": f"{username}@example.cn",
            "admin_duty": admin_duty,
        }
        user = user_model.objects.filter(username=username).order_by("pk").first()
        if user is None:
            user = user_model(username=username, **values)
            user.set_password(DEMO_PASSWORD)
            user.save()
            self.tally.created["user"] += 1
            self.fresh.add((user_model, user.pk))
            return user
        return self.upsert(user_model, {"pk": user.pk}, values)

    def admin_permissions(self):
        app_labels = ("stations", "representatives", "suggestions", "activities")
        for label in app_labels:  # a database migrated without post_migrate has no Permission rows yet
            create_permissions(apps.get_app_config(label), verbosity=0)
        return list(
            Permission.objects.filter(
                content_type__app_label__in=app_labels, codename__regex=r"^(view|add|change|delete)_"
            )
        )

    def build_logins(self, sijicheng: Station, sijicheng_rep: Representative) -> list[Login]:
        staff = self.user("demo_staff", self.person_name(Representative.Gender.FEMALE))
        sijicheng.staff.add(staff)

        rep_user = self.user("demo_rep", sijicheng_rep.name)
        Representative.objects.filter(user=rep_user).exclude(pk=sijicheng_rep.pk).update(user=None)
        self.upsert(Representative, {"pk": sijicheng_rep.pk}, {"user": rep_user})

        handler = self.user("demo_handler", self.person_name(Representative.Gender.MALE))
        HandlingUnit.objects.get(region=self.regions[("开封市",)], name=DEMO_HANDLER_UNIT).handlers.add(handler)

        perms = self.admin_permissions()
        admin = self.user("demo_admin", self.person_name(Representative.Gender.MALE), is_staff=True)
        cities = [self.regions[(name,)] for name in ("平顶山市", "安阳市", "开封市")]
        for region in cities:
            region.committee_admins.add(admin)
        admin.user_permissions.add(*perms)

        county_admin = self.user("demo_county_admin", self.person_name(Representative.Gender.FEMALE), is_staff=True)
        longting = self.regions[("开封市", "龙亭区")]
        longting.committee_admins.add(county_admin)
        county_admin.user_permissions.add(*perms)

        return [
            Login("demo_staff", Role.STATION_STAFF, sijicheng.name),
            Login("demo_rep", Role.REPRESENTATIVE, f"{sijicheng_rep.name}（{sijicheng.name}）"),
            Login("demo_handler", Role.UNIT_HANDLER, DEMO_HANDLER_UNIT),
            Login("demo_admin", Role.COMMITTEE_ADMIN, "、".join(r.name for r in cities) + "（含Django管理后台）"),
            Login("demo_county_admin", Role.COMMITTEE_ADMIN, f"{longting.full_name}（含Django管理后台）"),
            *self.build_duty_logins(),
        ]

    def build_duty_logins(self) -> list[Login]:
        """三员分立: one account per administrator duty. Each sets up two-step verification at its first log-in."""
        duties = (
            ("demo_sysadmin", AdminDuty.SYSTEM, "账号与基础信息（首次登录设置两步验证）"),
            ("demo_secadmin", AdminDuty.SECURITY, "角色、锁定与两步验证（首次登录设置两步验证）"),
            ("demo_auditor", AdminDuty.AUDIT, "审计日志（首次登录设置两步验证）"),
        )
        logins = []
        for username, duty, scope in duties:
            self.user(username, self.person_name(Representative.Gender.MALE), is_staff=True, admin_duty=duty)
            logins.append(Login(username, duty, scope))
        return logins


# Intake history ---------------------------------------------------------------------------------
#
# The demo's "today". Histories end here and reach two years back, so a run on a later day writes
# exactly the same rows; only the upcoming reception days follow the real calendar (the next four
# weeks from the day of the run), as the scheduler would.
ANCHOR = date(2026, 11, 20)
HISTORY_START = date(2024, 11, 21)
XINHUA_START = date(2023, 1, 1)  # "2023年以来，已推动解决制约企业发展问题86个"
INTAKE_RANDOM_SEED = 20261120
UPCOMING_DAYS = 28

CATEGORIES = ("城建交通", "教育", "营商环境", "物业管理", "农业农村", "社会保障", "医疗卫生", "生态环境", "其他")

TOBACCO_CLUES = 161
XINHUA_PROBLEMS = 86
XINHUA_STATION = "新华区产业代表联络站"
SIJICHENG_VISITORS = (152, 158)  # "共接待周边群众150多人次"
SIJICHENG_ATTENDANCES = (82, 88)  # "参加活动的代表80多人次"
ALL_MONTHS = tuple(range(1, 13))


@dataclass(frozen=True)
class Topic:
    """An enterprise problem: title variants, a content template and when in the year it comes up."""

    titles: tuple[str, ...]
    content: str  # str.format with the keys of Intake.numbers() plus enterprise, village, town
    category: str
    weight: int = 1
    months: tuple[int, ...] = ALL_MONTHS


# What the 13 "末梢神经" hear from tobacco growers and their cooperatives.
TOBACCO_TOPICS = (
    Topic(
        ("密集烤房设备老化，烘烤质量不稳", "烤房加热设备需要更新改造"),
        "{enterprise}现有密集烤房{kilns}座，大多建于十年前，加热炉和循环风机老化，温湿度控制不准，"
        "去年烘烤季烤坏、烤杂烟叶{jin}余斤。希望协调烟草部门把{village}村烤房纳入更新改造补贴范围。",
        "农业农村",
        2,
        (3, 4, 5, 6, 7, 8, 9),
    ),
    Topic(
        ("烘烤季变压器容量不足，频繁跳闸",),
        "每年7至9月烘烤高峰，{village}村{kilns}座烤房集中用电，台区变压器容量不足，经常跳闸断电，"
        "一次断电就可能烤坏一整炉烟叶。建议供电部门在烘烤季前对烟区台区增容改造，并安排专人值守抢修。",
        "营商环境",
        3,
        (5, 6, 7, 8, 9),
    ),
    Topic(
        ("采烤季节用工难、工价高", "烟叶采收、编烟缺少劳力"),
        "{enterprise}种植烟叶{acres}亩，采收、编杆、装炉集中在两个月内，村里青壮年多在外务工，"
        "临时工日工资涨到{wage}元仍招不够人。希望组织劳务对接，推广编烟机等机械，降低用工成本。",
        "农业农村",
        2,
        (6, 7, 8, 9),
    ),
    Topic(
        ("烟农种植贷款额度低、审批慢", "希望扩大“烟农贷”覆盖面"),
        "{enterprise}种植烟叶{acres}亩，今年计划扩大规模，购买化肥、地膜和支付土地流转费需要资金约{money}万元。"
        "到银行申请贷款要求抵押担保，额度低、审批时间长，往往错过备耕时机。"
        "希望协调金融机构扩大信用贷款覆盖面，简化手续、在春耕前放款。",
        "营商环境",
        3,
        (1, 2, 3, 4, 10, 11, 12),
    ),
    Topic(
        ("收购站点远，交售排队时间长",),
        "{village}村距离烟叶收购站{km}公里，收购高峰期交售一次要排队{hours}个小时以上，"
        "烟叶在车上反复装卸造成破损。建议在种植集中的乡镇增设临时收购点，推行预约分时交售。",
        "营商环境",
        3,
        (8, 9, 10, 11),
    ),
    Topic(
        ("烟叶收购定级希望公开透明",),
        "{enterprise}反映收购定级时对同一等级的把握不一致，压级压价现象时有发生。"
        "希望收购站公开分级标准样品，设立现场复检和申诉渠道，让烟农交明白烟、放心烟。",
        "营商环境",
        3,
        (8, 9, 10, 11),
    ),
    Topic(
        ("烟田机井损坏，灌溉用水困难", "提灌站年久失修，旱季浇不上地"),
        "{village}村烟田有机井{wells}眼，一半以上井泵损坏或配套电缆被盗，去年伏旱期间{acres}亩烟田浇水困难，"
        "部分烟株早花减产。希望水利部门将烟区机井维修纳入高标准农田建设项目。",
        "农业农村",
        2,
        (3, 4, 5, 6, 7, 8),
    ),
    Topic(
        ("烟区生产道路坑洼，运输烟叶困难",),
        "{village}村通往烟田和烤房群的生产路长约{road}公里，还是土路，雨后泥泞，运烟三轮车进不去，"
        "只能人工挑运。建议将该路段纳入农村公路或高标准农田田间道路建设计划。",
        "城建交通",
        1,
    ),
    Topic(
        ("育苗大棚损坏，需要维修补助",),
        "{enterprise}承担周边{households}户烟农的集约化育苗，大棚骨架锈蚀、棚膜老化，去年大风刮坏棚室{wells}个。"
        "希望烟草部门安排育苗设施维修补助，保证明年漂浮育苗按时出苗。",
        "农业农村",
        2,
        (11, 12, 1, 2, 3),
    ),
    Topic(
        ("起垄、移栽农机购置补贴申请难",),
        "{enterprise}计划购置起垄机和移栽机各一台，但部分烟草专用农机不在常规购机补贴目录内，全额购买压力大。"
        "希望将烟草专用农机纳入补贴目录，或由合作社统一购置、共享使用。",
        "农业农村",
        2,
        (1, 2, 3, 4, 5),
    ),
    Topic(
        ("烟叶种植保险理赔慢",),
        "去年夏天一场冰雹，{village}村受灾烟田{acres}亩，报案后查勘定损拖了一个多月，赔款至今没有到位。"
        "希望保险公司简化理赔流程，加快赔付进度。",
        "农业农村",
        2,
        (6, 7, 8, 9, 10, 11, 12),
    ),
    Topic(
        ("土地流转租金上涨，烟田难以连片",),
        "{enterprise}流转土地{acres}亩种烟，部分农户年年要求提高租金，还有几户不愿流转，烟田不能连片，"
        "机械作业和轮作都不方便。希望村里统一协调，规范流转合同和租金标准。",
        "农业农村",
        2,
        (10, 11, 12, 1, 2, 3),
    ),
    Topic(
        ("烟草病虫害防治技术跟不上",),
        "今年{village}村烟田黑胫病、赤星病发生较重，农户自己打药效果差。"
        "希望农技和烟草站派技术员驻村指导，推广统防统治和绿色防控。",
        "农业农村",
        2,
        (5, 6, 7, 8),
    ),
    Topic(
        ("燃煤烤房改造后烘烤成本增加",),
        "按照环保要求，{enterprise}的{kilns}座燃煤烤房正在改为电能或生物质烤房，改造后每炉烘烤成本增加约{wage}元。"
        "希望落实清洁能源烤房的运行电价优惠和改造补贴。",
        "生态环境",
        1,
        (3, 4, 5, 6, 7, 8, 9),
    ),
    Topic(
        ("季节性用工缺少意外保障",),
        "{enterprise}雇用的临时采烤工人多为本村中老年人，去年有人在装炉时摔伤，医药费只能合作社自己承担。"
        "希望推出适合季节性用工的意外险，并给予一定保费补贴。",
        "社会保障",
        1,
        (6, 7, 8, 9),
    ),
)

# What the 新华区 industry-chain station's representatives hear from enterprises.
XINHUA_TOPICS = (
    Topic(
        ("流动资金贷款到期，续贷难",),
        "{enterprise}现有员工{staff}人，受下游回款周期拉长影响，{money}万元流动资金贷款即将到期，"
        "银行要求先还后贷，企业只能借高息过桥资金。希望协调金融机构开展无还本续贷，或通过应急转贷资金帮助周转。",
        "营商环境",
        3,
    ),
    Topic(
        ("缺少抵押物，申请信用贷款难",),
        "{enterprise}属于轻资产的商贸服务企业，没有厂房土地可以抵押，申请{money}万元经营贷款屡次被拒。"
        "希望推动银行开发纯信用贷款产品，发挥政府性融资担保作用。",
        "营商环境",
        3,
    ),
    Topic(
        ("新建仓库用电增容，报装周期长",),
        "{enterprise}新建{area}平方米仓库，需要将变压器容量增至{kva}千伏安，报装后等了{days}天仍未接电，"
        "冷库设备无法启用。希望供电部门压缩报装时限，主动上门服务。",
        "营商环境",
        3,
    ),
    Topic(
        ("园区计划外停电影响冷链仓储",),
        "今年以来园区线路多次计划外停电，{enterprise}冷库温度波动，造成部分生鲜货品损耗。"
        "希望对园区供电线路进行改造，计划停电提前通知企业。",
        "营商环境",
        2,
    ),
    Topic(
        ("消防验收环节多、时间长",),
        "{enterprise}改建的{area}平方米商业用房，消防设计审查和验收前后跑了{days}天，整改意见多次反复。"
        "希望主管部门一次性告知整改要求，推行联合验收。",
        "营商环境",
        3,
    ),
    Topic(
        ("新增经营项目需跑多个部门审批",),
        "{enterprise}新增食品经营和道路货运业务，需要分别到市场监管、交通运输等部门办理许可，材料重复提交。"
        "希望推行“一业一证”“一件事一次办”。",
        "营商环境",
        3,
    ),
    Topic(
        ("招不到叉车工、仓管员等技能工人",),
        "{enterprise}业务增长，需要叉车工、仓管员和货车司机{trucks}人左右，连续几个月招聘效果不好。"
        "希望人社部门组织专场招聘会，联合职业院校开展订单式培训。",
        "社会保障",
        2,
    ),
    Topic(
        ("希望开展电商直播技能培训",),
        "{enterprise}正在转型线上销售，缺少懂直播、会运营的人才。"
        "希望就近组织电商直播、短视频运营等技能培训，并落实培训补贴。",
        "营商环境",
        2,
    ),
    Topic(
        ("货车进城通行证办理难，限行影响配送",),
        "{enterprise}有配送货车{trucks}辆，市区限行时段内无法为商超配送，通行证名额有限、审批慢。"
        "希望对城市配送车辆分类管理，给新能源配送车辆更多通行便利。",
        "营商环境",
        3,
    ),
    Topic(
        ("物流园周边道路破损，大货车通行困难",),
        "物流园区周边道路路面破损、积水严重，大货车进出经常陷车，{enterprise}每天进出车辆{trucks}车次。"
        "希望尽快安排道路维修，完善排水设施。",
        "城建交通",
        2,
    ),
    Topic(
        ("物流奖补资金拨付慢",),
        "{enterprise}去年申报的物流业发展奖补资金{money}万元已经公示，但至今未拨付到位。"
        "希望财政、商务部门明确拨付时限，及时兑现惠企政策。",
        "营商环境",
        3,
    ),
    Topic(
        ("增值税留抵退税办理进度慢",),
        "{enterprise}申请的增值税留抵退税已提交{days}天，仍在审核，资金压力大。希望加快审核，及时告知办理进度。",
        "营商环境",
        2,
    ),
    Topic(
        ("燃气接入费用高、周期长",),
        "{enterprise}新开门店需要接入天然气，燃气公司报价的接驳费用偏高，施工排期要{days}天。"
        "希望规范燃气接入收费，公开办理时限。",
        "营商环境",
        2,
    ),
    Topic(
        ("仓储用房手续不全，无法办理产权",),
        "{enterprise}租用的{area}平方米仓库建在早年的村集体建设用地上，手续不全，无法办理不动产登记，"
        "影响企业抵押融资和扩建。希望研究历史遗留问题的处置办法。",
        "营商环境",
        2,
    ),
    Topic(
        ("商业街停车位不足影响经营",),
        "{enterprise}所在商业街停车位严重不足，顾客停车难，客流明显下降。希望规划建设公共停车场，设置限时免费停车位。",
        "城建交通",
        1,
    ),
    Topic(
        ("涉企检查频次多，希望统筹",),
        "今年以来{enterprise}先后接受消防、安全生产、市场监管等多轮检查，有的内容重复。"
        "希望推行“综合查一次”，减少对企业正常经营的干扰。",
        "营商环境",
        2,
    ),
    Topic(
        ("大企业拖欠货款，催收困难",),
        "{enterprise}为一家大型企业供应办公用品和劳保物资，{money}万元货款逾期一年多仍未结清。"
        "希望督促落实清理拖欠中小企业账款的政策。",
        "营商环境",
        2,
    ),
)
XINHUA_COMPANY_KINDS = (
    "商贸有限公司",
    "物流有限公司",
    "电子商务有限公司",
    "供应链管理有限公司",
    "餐饮管理有限公司",
    "建材有限公司",
    "汽车销售服务有限公司",
    "食品有限公司",
    "印务有限公司",
    "信息科技有限公司",
)
XINHUA_PLACES = ("焦店镇", "西高皇街道", "光明路街道", "曙光街街道", "西市场街道")


@dataclass(frozen=True)
class Theme:
    """What a visitor raises on a reception day, and what becomes of it."""

    summary: str  # what the visit log says was raised; str.format with place and area
    title: str  # the suggestion it becomes ("" when it is only ever answered on the spot)
    content: str
    category: str
    spot_answer: str = ""  # the answer given on the spot, when one can be given
    spot_share: float = 0.0  # how often it is answered on the spot
    weight: int = 1
    where: str = "any"  # Linzhou: "town" (村) or "street" (社区) themes
    until: date | None = None  # solved by then: nobody raises it afterwards
    location: str = ""


# 四季城: the seed's themes first (weighted up), then everyday ones.
SIJICHENG_THEMES = (
    Theme(
        "劳动路北段没有便民市场，买菜要跑很远，路边摊贩占道经营。",
        "在劳动路北段规划建设便民市场",
        "四季城及周边小区居民众多，劳动路北段没有规范的便民市场，居民买菜要到两公里外，"
        "路边流动摊贩占道经营，影响交通和环境卫生。建议在劳动路北段规划建设便民市场，规范摊点经营。",
        "城建交通",
        weight=4,
        until=date(2025, 10, 31),
        location="龙亭区劳动路北段",
    ),
    Theme(
        "北郊乡卫生院院址狭小、设施陈旧，新院址迟迟定不下来。",
        "尽快确定北郊乡卫生院新院址",
        "北郊乡卫生院现院址面积小，门诊和住院用房紧张，检查设备陈旧，周边安置房小区入住后就医需求大幅增加。"
        "建议尽快确定新院址并启动建设。",
        "医疗卫生",
        weight=4,
        until=date(2026, 3, 31),
        location="龙亭区北郊乡卫生院",
    ),
    Theme(
        "小区门口公交站点设置不合理，线路绕远，早晚班次少。",
        "优化四季城周边公交站点和运行线路",
        "四季城小区居民反映，小区东门附近没有公交站点，现有线路绕行较远，早晚高峰班次少、等车时间长。"
        "建议公交公司开展客流调查，增设站点、优化线路和班次。",
        "城建交通",
        "代表解释公交站点和线路调整需要客流调查和论证，已将意见汇总转交市交通运输局和公交公司，调整结果将在联络点公示。",
        0.6,
        weight=4,
    ),
    Theme(
        "安置房交房几年了，不动产权证一直办不下来。",
        "加快办理安置房不动产权证",
        "四季城安置房已交房多年，业主至今未拿到不动产权证，影响子女入学、房屋抵押和交易。"
        "建议有关部门梳理办证卡点，限期办结。",
        "其他",
        "代表说明办证涉及规划、土地、人防等多项验收，目前卡在人防工程竣工核实环节，"
        "联络点正协调有关部门研究办法，有进展会及时告知。",
        0.6,
        weight=4,
    ),
    Theme(
        "小区想成立业主委员会，不知道程序怎么走。",
        "指导四季城小区成立业主委员会",
        "四季城小区业主希望成立业主委员会，但不了解筹备程序，多次咨询没有结果。"
        "建议乡政府和社区居委会明确专人指导，帮助组建业主大会筹备组。",
        "物业管理",
        "代表讲解了业主大会筹备组组建、业主身份核实、表决等程序，告知可向北郊乡政府和社区居委会书面申请，联络点可协助。",
        0.8,
        weight=3,
    ),
    Theme(
        "安置房片区孩子上学难，附近没有初中，小学学位紧张。",
        "解决安置房片区孩子上学难问题",
        "四季城等安置房片区入住人口增加，附近没有初中，小学学位紧张，孩子上学路远、接送困难。"
        "建议市教体局调整中学布点，在片区内规划建设小学。",
        "教育",
        weight=4,
    ),
    Theme(
        "广济路一直没修通，出门要绕很远，晚上也没有路灯。",
        "推动广济路建设",
        "广济路是四季城片区居民出行的主要通道，部分路段尚未打通，群众出行绕行较远，雨天泥泞、夜间照明不足。"
        "建议市住建局加快广济路建设进度。",
        "城建交通",
        weight=3,
        until=date(2026, 8, 31),
        location="龙亭区广济路",
    ),
    Theme(
        "开发企业反映人防工程要整体竣工后才能核实，业主收房后办不了证。",
        "研究人防工程分期竣工核实办法",
        "开发企业反映，按现行做法人防工程须在项目整体竣工后统一核实，分期交付的楼栋无法及时办理不动产权证，"
        "业主意见大。建议市国动办研究人防工程分期竣工核实办法，实现收房即可办证。",
        "城建交通",
        weight=2,
    ),
    Theme(
        "小区停车位不够，消防通道经常被占。",
        "缓解四季城小区停车难",
        "四季城小区车位配比低，夜间车辆停满消防通道和绿化带，存在安全隐患。"
        "建议利用周边闲置地块建设临时停车场，物业加强停车秩序管理。",
        "物业管理",
        "代表建议先通过物业协调车位，联络点将联系物业公司和社区研究增设临时停车位。",
        0.4,
        weight=2,
    ),
    Theme(
        "电动车充电桩太少，有人从楼上飞线充电。",
        "增设电动自行车集中充电设施",
        "小区电动自行车多，集中充电桩少，楼道停放和飞线充电现象突出，存在火灾隐患。"
        "建议在小区内增设集中停放充电棚，物业加强巡查劝导。",
        "物业管理",
        weight=2,
    ),
    Theme(
        "小区老人多，希望开个老年助餐点。",
        "在四季城社区开办老年助餐点",
        "四季城社区六十岁以上老人较多，不少子女上班顾不上，老人做饭不便。"
        "建议依托社区党群服务中心开办老年助餐点，政府给予运营补贴。",
        "社会保障",
    ),
    Theme(
        "询问城乡居民医保怎么缴费、住院报销比例是多少。",
        "",
        "",
        "医疗卫生",
        "驻点医生代表讲解了城乡居民医保的缴费时间、缴费渠道和住院报销比例，建议按时参保、保留好票据。",
        1.0,
    ),
    Theme(
        "小区东门外道路没有路灯，晚上出行不安全。",
        "在四季城小区东门外道路安装路灯",
        "四季城小区东门外道路夜间没有照明，居民下夜班、老人散步存在安全隐患。建议尽快安装路灯。",
        "城建交通",
    ),
    Theme(
        "夜里渣土车经过噪音大、扬尘多。",
        "整治夜间渣土车噪音和扬尘",
        "周边工地的渣土车夜间经过小区，车速快、噪音大，沿路抛洒，扬尘严重。"
        "建议城管和生态环境部门加强渣土车管理，规定行驶路线和时段。",
        "生态环境",
    ),
    Theme(
        "小区什么时候能接上集中供暖？",
        "推动四季城小区接入集中供暖",
        "四季城小区尚未接入城市集中供暖，冬季居民只能用电暖器，费用高、有安全隐患。建议加快供热管网延伸工程。",
        "城建交通",
        "代表解释供热接入需先完成片区主管网延伸，已向市城管局了解工程进度，有消息会在联络点公示。",
        0.5,
    ),
    Theme(
        "询问灵活就业人员社保补贴怎么申请。",
        "",
        "",
        "社会保障",
        "代表介绍了灵活就业人员社保补贴的申请条件、所需材料和办理地点，并留下了社区就业服务站的电话。",
        1.0,
    ),
    Theme(
        "咨询房屋买卖合同纠纷怎么处理。",
        "",
        "",
        "其他",
        "驻点律师代表现场解答，建议保留合同和付款凭证，先行协商，协商不成可申请人民调解或向法院起诉。",
        1.0,
    ),
)
SIJICHENG_LOCATION = "龙亭区北郊乡四季城小区"
SIJICHENG_DAY_NOTES = {
    date(2025, 3, 20): "同步开展义诊惠民活动",
    date(2025, 9, 20): "与市老龄协会联动开展活动",
    date(2026, 5, 20): "同步开展义诊惠民活动",
}

# 林州: what people bring to the weekly reception day. {place} is the village (town) or community (street).
LINZHOU_THEMES = (
    Theme(
        "反映相邻农户浇地时水流进自家院子，浸泡房屋墙基，多次协商未果。",
        "浇地水浸泡住房，请求协调处理",
        "{place}群众反映，相邻农田浇地时水流进住房院内，墙基受潮开裂，双方多次协商未果。"
        "请镇政府组织村委会、司法所现场查看，明确责任、协调赔偿。",
        "农业农村",
        "代表现场联系村调解委员会上门查看，约定浇地时加筑挡水埂，双方同意先行修补墙基。",
        0.4,
        where="town",
    ),
    Theme(
        "{place}段红旗渠支渠淤积、渗漏严重，浇地时水到不了地头。",
        "红旗渠支渠清淤和防渗维修",
        "{place}段红旗渠支渠多年未清淤，部分渠段衬砌破损渗漏，春灌时下游农田浇不上水。"
        "建议市水利局在冬春修期间安排清淤和防渗维修。",
        "农业农村",
        weight=2,
        where="town",
    ),
    Theme(
        "{place}通往山坡地的生产路还是土路，雨天拖拉机下不了地。",
        "硬化{place}生产道路",
        "{place}通往山坡地的生产路约两公里，雨后泥泞，农机和运输车辆无法通行，群众收秋只能肩挑背扛。"
        "建议纳入农村公路或高标准农田田间道路建设计划。",
        "城建交通",
        where="town",
    ),
    Theme(
        "夏季用水高峰{place}自来水经常断水，地势高的住户接不上水。",
        "解决{place}用水高峰期供水不足",
        "{place}集中供水工程建成较早，管网老化、蓄水池容量小，每年夏季用水高峰地势较高的住户经常断水。"
        "建议对供水管网和蓄水池进行改造提升。",
        "农业农村",
        where="town",
    ),
    Theme(
        "{place}老旧小区楼道灯不亮、下水管道老化堵塞。",
        "将{place}老旧小区纳入改造计划",
        "{place}辖区部分小区建于上世纪九十年代，下水管道老化经常堵塞，楼道照明、屋面防水等设施损坏严重。"
        "建议纳入老旧小区改造计划，改造方案征求居民意见。",
        "城建交通",
        weight=2,
        where="street",
    ),
    Theme(
        "{place}主干道一下雨就积水，车辆行人通行困难。",
        "解决{place}道路积水问题",
        "{place}主干道排水管网管径小、雨水口堵塞，一下大雨路面积水没过脚踝。建议疏通雨水管网，改造易涝点。",
        "城建交通",
        where="street",
    ),
    Theme(
        "{place}小区楼道停放电动车、飞线充电的越来越多。",
        "在{place}增设电动自行车集中充电设施",
        "{place}多个小区没有电动自行车集中充电设施，楼道停放和飞线充电现象突出，存在火灾隐患。"
        "建议街道和物业在小区内增设充电棚。",
        "物业管理",
        where="street",
    ),
    Theme(
        "询问在外地住院怎样用城乡居民医保报销。",
        "",
        "",
        "医疗卫生",
        "代表讲解了异地就医备案流程：可通过国家医保服务平台App或到市医保中心备案，备案后在定点医院直接结算。",
        1.0,
    ),
    Theme(
        "询问城乡居民养老保险缴费档次和补缴政策。",
        "",
        "",
        "社会保障",
        "代表介绍了城乡居民养老保险的缴费档次、政府补贴标准和到龄领取条件，建议按能力选择较高档次缴费。",
        1.0,
    ),
    Theme(
        "家中老人因病致贫，询问低保申请条件。",
        "因病致贫家庭申请低保，请求入户核查",
        "{place}群众反映家中老人常年患病，医疗支出大，家庭生活困难，已向村（社区）提出低保申请。"
        "请民政部门及时入户核查，符合条件的尽快纳入保障。",
        "社会保障",
        "代表解释了低保申请条件和流程，并联系村（社区）干部协助准备申请材料。",
        0.6,
    ),
    Theme(
        "{area}中心学校放学时门口车辆拥堵，孩子过马路不安全。",
        "整治{area}中心学校门口交通安全",
        "{area}中心学校上下学时段接送车辆乱停乱放，校门口没有减速带和斑马线，学生过马路存在安全隐患。"
        "建议交警和教育部门设置护学岗，施划停车位和交通标线。",
        "教育",
    ),
    Theme(
        "{place}主街路灯坏了好几盏，晚上出行不方便。",
        "维修{place}主街路灯",
        "{place}主街路灯损坏多盏，夜间照明不足，群众出行存在安全隐患。建议尽快维修，并明确路灯日常维护责任。",
        "城建交通",
        "代表现场联系村（社区）电工核实，损坏路灯已登记，本周内维修。",
        0.3,
    ),
    Theme(
        "{place}垃圾中转点清运不及时，夏天异味大。",
        "加密{place}垃圾清运频次",
        "{place}垃圾中转点每周只清运两次，夏季垃圾堆积、异味大、蚊蝇多。建议增加清运频次，增设分类收集桶。",
        "生态环境",
    ),
    Theme(
        "{place}到市区的公交车班次少，早晚没有车。",
        "增加{area}至市区的公交班次",
        "{place}群众到市区看病、办事主要靠公交，每天只有几班车，早上七点前、下午五点后没有车。"
        "建议优化城乡公交班次，延长运营时间。",
        "城建交通",
        where="town",
    ),
    Theme(
        "与邻居因宅基地界线发生纠纷。",
        "宅基地界线纠纷请求依法确权",
        "{place}两户群众因宅基地界线发生纠纷，经村委会调解未果。请镇政府依据确权登记资料依法处理。",
        "农业农村",
        "代表会同司法所人民调解员现场调解，双方同意按确权登记图重新划定界线。",
        0.8,
        where="town",
    ),
    Theme(
        "{place}卫生室常用药不全，医生年龄偏大。",
        "加强{place}卫生室建设",
        "{place}卫生室只有一名乡村医生，年龄偏大，常用药品和检查设备不全，群众小病也要跑到镇卫生院。"
        "建议充实乡村医生队伍，配齐基本药物。",
        "医疗卫生",
        where="town",
    ),
    Theme(
        "{place}附近石料厂粉尘大，影响庄稼和生活。",
        "整治{place}附近石料厂扬尘污染",
        "{place}附近石料加工点生产时粉尘大，运输车辆沿路抛洒，庄稼叶面落满灰尘。"
        "建议生态环境部门督促企业落实喷淋、苫盖等抑尘措施。",
        "生态环境",
        where="town",
    ),
    Theme(
        "去年买农机的购置补贴一直没到账。",
        "农机购置补贴发放进度",
        "{place}群众反映去年购置农机的补贴至今未到账，请农业农村部门核实进度并及时发放。",
        "农业农村",
        "代表当场联系镇农业服务中心查询，补贴已完成公示，将于本月内发放到账。",
        0.6,
        where="town",
    ),
    Theme(
        "在建筑工地干活被拖欠工资三个多月。",
        "协调解决农民工工资拖欠",
        "{place}群众反映在外地建筑工地务工被拖欠工资三个多月。请人社部门督促施工企业按时足额支付。",
        "社会保障",
        "代表告知可向市人社局劳动保障监察大队投诉，并帮助联系项目负责人协商支付。",
        0.3,
    ),
    Theme(
        "民宿和农家乐越来越多，旺季停车难、公共厕所少。",
        "完善{area}乡村旅游配套设施",
        "{area}太行山乡村旅游发展快，节假日游客多，停车场和旅游公厕不足，沿线道路拥堵。"
        "建议统一规划建设停车场和旅游公厕，规范农家乐经营。",
        "营商环境",
        where="town",
    ),
    Theme(
        "村里老人多，希望办个老年食堂。",
        "在{place}开办老年助餐点",
        "{place}六十岁以上老人较多，不少子女在外务工，老人做饭不便。"
        "建议依托村（社区）党群服务中心开办老年助餐点，政府给予运营补贴。",
        "社会保障",
    ),
)

# 四季城's 30 opinions on property management: 1 survey (door to door, the suggestion box, a WeChat
# questionnaire) and 3 座谈会. They became the joint proposal for a 开封市物业管理条例.
PROPERTY_OPINIONS = (
    (
        "物业费收支从不公示",
        "物业公司每年收取物业费，但收支情况从不向业主公示。建议明确物业服务企业每年公示物业费收支的义务。",
    ),
    (
        "公共收益归属不明",
        "电梯广告、公共场地出租等公共收益由物业公司自行收取。建议明确公共收益归全体业主所有，单独列账、定期公示。",
    ),
    (
        "专项维修资金使用难",
        "楼顶漏水要动用维修资金，须经业主表决，组织很难，维修一拖就是一年。建议简化紧急情况下维修资金的使用程序。",
    ),
    ("电梯维保敷衍了事", "小区电梯经常停运，维保单位应付了事。建议明确物业对电梯日常维护保养的责任和故障响应时限。"),
    (
        "安置房小区物业费标准",
        "安置房居民收入不高，物业费与商品房一样，收缴率低，服务随之变差。建议安置房小区物业费实行政府指导价并给予适当补贴。",
    ),
    (
        "前期物业难以更换",
        "前期物业由开发商选定，服务差但业主没有办法更换。建议限定前期物业服务合同期限，到期由业主大会决定续聘或选聘。",
    ),
    (
        "业主委员会成立难",
        "筹备组组建难、业主身份核实难，很多小区多年成立不了业主委员会。建议明确乡镇（街道）和居委会的指导协助责任和时限。",
    ),
    (
        "物业退出交接无规可依",
        "物业合同到期后拒不撤出，或撤出时带走资料、停水停电。建议规定物业退出时的交接清单、时限和拒不退出的处理措施。",
    ),
    ("停车秩序和消防通道管理", "外来车辆随意进出，消防通道常被占用。建议明确物业对小区停车秩序和消防通道的管理责任。"),
    ("装修垃圾清运", "装修垃圾乱堆乱放，物业只收押金不管清运。建议规范装修垃圾的收集清运和收费标准。"),
    ("绿化养护标准", "小区绿地被毁种菜、树木缺乏修剪。建议明确绿化养护标准，并写入物业服务合同。"),
    ("物业服务标准笼统", "合同里的服务内容和标准写得笼统，出了问题难以追责。建议制定物业服务等级标准，按质论价。"),
    ("投诉无门、相互推诿", "业主投诉物业问题，住建、街道、社区相互推诿。建议明确物业管理的主管部门和投诉处理时限。"),
    ("物业企业信用评价", "建议建立物业服务企业信用评价制度，评价结果与招投标、评优挂钩，失信企业退出市场。"),
    (
        "老旧小区无人管理",
        "部分老旧小区和安置房片区没有物业，环境脏乱。建议由社区兜底引入公益性物业或实行居民自治管理。",
    ),
    (
        "二次供水清洗不及时",
        "高层住宅二次供水设施清洗消毒不及时，水质让人担心。建议明确管理责任和清洗频次，并公示检测结果。",
    ),
    ("空置房物业费", "长期空置的房屋是否全额缴纳物业费，业主和物业经常争议。建议对空置房物业费作出明确规定。"),
    ("以停水停电催缴物业费", "个别物业公司以停水停电方式催缴物业费。建议明确禁止以停水停电等方式催缴。"),
    ("门禁安保形同虚设", "门禁形同虚设，外来人员随意进出，电动车被盗时有发生。建议明确安保服务的基本要求。"),
    (
        "电动自行车充电管理",
        "楼道停放电动车、飞线充电现象多，物业劝阻无效。建议明确物业在充电设施建设和消防安全管理中的职责。",
    ),
    ("物业服务用房未配置", "有的开发商未按规定配置物业服务用房和业委会办公用房。建议明确配置标准和移交程序。"),
    ("业委会履职监督", "个别业委会成员与物业公司关系密切，损害业主利益。建议建立业委会履职监督和换届审计制度。"),
    ("公摊水电费不透明", "公共水电分摊不透明，存在加价收费。建议公共能耗按实分摊并每季度公示。"),
    ("垃圾分类设施不足", "小区垃圾分类设施不足，清运不及时。建议明确物业在生活垃圾分类中的管理职责。"),
    ("保修期内维修推诿", "交房后墙体渗水、管道漏水，开发商和物业相互推诿。建议明确保修期内维修责任的衔接。"),
    ("物业服务合同示范文本", "建议制定开封市物业服务合同示范文本，明确双方权利义务和违约责任。"),
    ("推广智慧物业", "建议推广线上缴费、报修和满意度评价，让业主随时监督物业服务。"),
    ("共用消防设施维护", "消防栓缺水、灭火器过期无人更换。建议明确物业对共用消防设施的维护检测责任。"),
    ("文明养犬管理", "犬只不拴绳、粪便不清理，邻里矛盾多。建议在管理规约中明确文明养犬要求，物业负责劝导。"),
    ("物业费单方面涨价", "物业公司单方面提高物业费标准，没有征求业主意见。建议明确物业费调整须经业主大会表决。"),
)
PROPERTY_SURVEY = (date(2025, 3, 10), date(2025, 3, 28))
PROPERTY_SYMPOSIA = (date(2025, 4, 17), date(2025, 5, 15), date(2025, 6, 19))
PROPERTY_SPEAKERS = ("业主代表", "业主代表", "物业服务企业负责人", "社区干部", "业主委员会成员", "驻点律师代表")


@dataclass
class PlannedDay:
    station: Station
    date: date
    start: clock
    end: clock
    rule: ReceptionRule
    on_duty: list[Representative]
    note: str = ""
    obj: ReceptionDay | None = None


@dataclass
class PlannedVisit:
    day: PlannedDay
    summary: str
    visitor_name: str
    visitor_phone: str
    received_by: list[Representative]
    spot_answer: str  # "" when the visit became suggestions instead
    logged_at: datetime
    created_by: object = None
    pk: int | None = None


@dataclass
class PlannedSuggestion:
    key: str  # the natural key its tracking code is derived from
    station: Station
    channel: str
    title: str
    content: str
    category: str
    received_at: datetime
    representative: Representative | None = None
    location: str = ""
    enterprise_name: str = ""
    submitter_name: str = ""
    submitter_phone: str = ""
    visit: PlannedVisit | None = None
    created_by: object = None


def _aware(day: date, minutes: int) -> datetime:
    """``day`` at ``minutes`` past midnight, Beijing time."""
    return timezone.make_aware(datetime.combine(day, clock()) + timedelta(minutes=minutes))


def _minutes(moment: clock) -> int:
    return moment.hour * 60 + moment.minute


def _station_key(station: Station) -> str:
    return f"{station.region.full_name}/{station.name}"


def _weighted_sample(rng: random.Random, items, weights, k: int) -> list:
    """``k`` distinct items drawn with the given weights (fewer when there are not that many)."""
    pool, pool_weights, chosen = list(items), list(weights), []
    while pool and len(chosen) < k:
        index = rng.choices(range(len(pool)), weights=pool_weights)[0]
        chosen.append(pool.pop(index))
        pool_weights.pop(index)
    return chosen


def _spread(rng: random.Random, count: int, low: int, high: int, total: int) -> list[int]:
    """``count`` numbers between ``low`` and ``high`` that add up to ``total``."""
    values = [low] * count
    extra = total - low * count
    assert 0 <= extra <= (high - low) * count
    while extra:
        index = rng.randrange(count)
        if values[index] < high:
            values[index] += 1
            extra -= 1
    return values


class Intake:
    """The seed's intake history: suggestions, reception days and visits, planned in memory, then bulk-written.

    Every random choice comes from a generator of its own, in a fixed order, and never depends on
    what the database holds; rows are written only when their natural key is missing (suggestions:
    the tracking code derived from their key; reception days: station and date; visits: day and
    what was raised), so a second run writes nothing.
    """

    def __init__(self, seeder: Seeder):
        self.seeder = seeder
        self.rng = random.Random(INTAKE_RANDOM_SEED)
        self.days: list[PlannedDay] = []
        self.visits: list[PlannedVisit] = []
        self.suggestions: list[PlannedSuggestion] = []
        self.rules: list[ReceptionRule] = []
        self.categories: dict[str, Category] = {}
        self.residents: dict[int, list[Representative]] = {}
        for rep, station, _since in seeder.residencies:
            members = self.residents.setdefault(station.pk, [])
            if rep not in members:
                members.append(rep)
        self.window = [XINHUA_START + timedelta(days=n) for n in range((ANCHOR - XINHUA_START).days + 1)]
        self.staff = None

    def run(self) -> None:
        for order, name in enumerate(CATEGORIES, start=1):
            category, created = Category.objects.get_or_create(name=name, defaults={"order": order})
            self.categories[name] = category
            self.seeder.tally.created["category"] += created
        self.staff = get_user_model().objects.get(username="demo_staff")
        self.plan_tobacco()
        self.plan_xinhua()
        self.plan_sijicheng()
        self.plan_property_opinions()
        self.plan_linzhou()
        self.write_days()
        self.write_visits()
        self.write_suggestions()
        self.schedule_upcoming()

    # Invented details --------------------------------------------------------

    def station(self, path: tuple[str, ...], name: str) -> Station:
        return self.seeder.stations[(self.seeder.regions[path].full_name, name)]

    def phone(self) -> str:
        return f"13{self.rng.randrange(10)}{self.rng.randrange(10**8):08d}"

    def submitter(self) -> tuple[str, str]:
        """About half of the people give a name and a mobile number; the others stay anonymous."""
        if self.rng.random() < 0.5:
            return self.seeder.person_name(self.seeder.gender(0.45), rng=self.rng), self.phone()
        return "", ""

    def numbers(self) -> dict[str, int]:
        rng = self.rng
        return {
            "kilns": rng.randint(4, 30),
            "wells": rng.randint(3, 12),
            "acres": rng.randint(60, 800),
            "money": rng.randint(20, 300),
            "wage": rng.randint(150, 260),
            "jin": rng.randint(800, 6000),
            "km": rng.randint(8, 35),
            "hours": rng.randint(4, 10),
            "road": rng.randint(1, 5),
            "households": rng.randint(15, 90),
            "staff": rng.randint(20, 300),
            "area": rng.randrange(500, 8000, 100),
            "kva": rng.choice((400, 630, 800, 1000, 1250)),
            "days": rng.randint(20, 90),
            "trucks": rng.randint(5, 60),
        }

    def history_date(self, months=ALL_MONTHS, start: date = HISTORY_START) -> date:
        return self.rng.choice([day for day in self.window if day.month in months and day >= start])

    def add(self, key: str, *, station: Station, **values) -> None:
        """Plan a suggestion; ``key`` is unique within the station."""
        key = f"demo-suggestion:{_station_key(station)}/{key}"
        self.suggestions.append(PlannedSuggestion(key=key, station=station, **values))

    def enterprise_problems(self, station: Station, key: str, count: int, topics, enterprises, *, start, location):
        """``count`` problems raised by ``enterprises`` at ``station`` through its QR codes and visits.

        ``location`` holds the village and town the texts mention and the places to choose the location from.
        """
        residents = self.residents[station.pk]
        for number in range(1, count + 1):
            topic = self.rng.choices(topics, weights=[t.weight for t in topics])[0]
            where = self.rng.choice(location["places"])
            enterprise = self.rng.choice(enterprises)
            channel = self.rng.choices(
                (Channel.QR_STATION, Channel.QR_REPRESENTATIVE, Channel.VISIT), weights=(35, 35, 30)
            )[0]
            day = self.history_date(topic.months, start=start)
            name, phone = self.submitter()
            self.add(
                f"{key}/{number:03d}",
                station=station,
                channel=channel,
                title=self.rng.choice(topic.titles),
                content=topic.content.format(
                    enterprise=enterprise, village=location["village"], town=location["town"], **self.numbers()
                ),
                category=topic.category,
                received_at=_aware(day, self.rng.randint(7 * 60, 21 * 60)),
                representative=None if channel == Channel.QR_STATION else self.rng.choice(residents),
                location=where,
                enterprise_name=enterprise,
                submitter_name=name,
                submitter_phone=phone,
            )

    # Plans -------------------------------------------------------------------

    def plan_tobacco(self):
        """161 clues from the 13 sub-points of the "1+13" tree (涉企问题线索)."""
        counts = [TOBACCO_CLUES // len(TOBACCO_POINTS)] * len(TOBACCO_POINTS)
        for index in self.rng.sample(range(len(counts)), TOBACCO_CLUES - sum(counts)):
            counts[index] += 1
        for (town, village), count in zip(TOBACCO_POINTS, counts, strict=True):
            point = self.station(("平顶山市", "郏县", town), f"{village}村烟叶种植大户代表联络点")
            brands = self.rng.sample(BRANDS, 3)
            enterprises = [
                f"郏县{village}烟叶种植专业合作社",
                f"郏县{village}{brands[0]}家庭农场",
                f"郏县{town[:-1]}{brands[1]}烟叶烘烤服务专业合作社",
                f"郏县{brands[2]}农机服务专业合作社",
            ][: self.rng.randint(3, 4)]
            location = {"village": village, "town": town, "places": [f"郏县{town}{village}村"]}
            self.enterprise_problems(
                point, "clue", count, TOBACCO_TOPICS, enterprises, start=HISTORY_START, location=location
            )

    def plan_xinhua(self):
        """The 86 problems raised by enterprises at the 新华区 industry-chain station since 2023."""
        station = self.station(("平顶山市", "新华区"), XINHUA_STATION)
        names = [f"平顶山{brand}{kind}" for brand in BRANDS for kind in XINHUA_COMPANY_KINDS]
        enterprises = self.rng.sample(names, 30)
        places = [f"平顶山市新华区{place}" for place in XINHUA_PLACES]
        location = {"village": "", "town": "", "places": places}
        self.enterprise_problems(
            station, "enterprise", XINHUA_PROBLEMS, XINHUA_TOPICS, enterprises, start=XINHUA_START, location=location
        )

    def rule(self, station: Station, values: dict) -> ReceptionRule:
        rule = self.seeder.upsert(ReceptionRule, {"station": station, "kind": values.pop("kind")}, values)
        self.rules.append(rule)
        return rule

    def reception_day(self, station, day, rule, on_duty, themes, visits, *, place="", area="", note="", staff=None):
        """One past reception day: its roster and ``visits`` visitors, each answered or turned into suggestions."""
        planned = PlannedDay(station, day, rule.start_time, rule.end_time, rule, on_duty, note)
        self.days.append(planned)
        open_themes = [t for t in themes if t.until is None or day <= t.until]
        chosen = _weighted_sample(self.rng, open_themes, [t.weight for t in open_themes], visits)
        start, end = _minutes(rule.start_time), _minutes(rule.end_time)
        span = end - start - 20
        for number, theme in enumerate(chosen, start=1):
            logged_at = _aware(day, start + 10 + (number - 1) * span // len(chosen) + self.rng.randint(0, 8))
            receivers = self.rng.sample(on_duty, 1 if self.rng.random() < 0.7 else min(2, len(on_duty)))
            name, phone = self.submitter()
            answered = bool(theme.spot_answer) and self.rng.random() < theme.spot_share
            visit = PlannedVisit(
                planned,
                theme.summary.format(place=place, area=area),
                name,
                phone,
                receivers,
                theme.spot_answer if answered else "",
                logged_at,
                staff,
            )
            self.visits.append(visit)
            # Not answered: it becomes a suggestion. Answered but not settled (公交线路, 不动产权证 …):
            # explained to the visitor and, now and then, passed on as well.
            if not theme.title or (answered and self.rng.random() < 0.6):
                continue
            self.add(
                f"reception/{day:%Y-%m-%d}/{number}",
                station=station,
                channel=Channel.RECEPTION,
                title=theme.title.format(place=place, area=area),
                content=theme.content.format(place=place, area=area),
                category=theme.category,
                received_at=logged_at,
                representative=receivers[0] if len(receivers) == 1 else None,
                location=theme.location or (f"林州市{area}{place}" if area else SIJICHENG_LOCATION),
                submitter_name=name,
                submitter_phone=phone,
                visit=visit,
                created_by=staff,
            )

    def plan_sijicheng(self):
        """Monthly on the 20th for the last 24 months: 150多人次 received by 80多人次 of representatives."""
        station = self.station(("开封市", "龙亭区", "北郊乡", "四季城社区"), SIJICHENG)
        dates = [date(2024 + (11 + n) // 12, (11 + n) % 12 + 1, 20) for n in range(24)]
        rule = self.rule(
            station,
            {
                "kind": ReceptionRule.Kind.MONTHLY,
                "weekday": None,
                "day_of_month": 20,
                "start_time": clock(9, 0),
                "end_time": clock(11, 30),
                "duty_min": 3,
                "duty_max": 5,
                "starts_on": dates[0],
                "is_active": True,
            },
        )
        residents = self.residents[station.pk]
        rosters = _spread(self.rng, len(dates), 3, 5, self.rng.randint(*SIJICHENG_ATTENDANCES))
        visitors = _spread(self.rng, len(dates), 4, 9, self.rng.randint(*SIJICHENG_VISITORS))
        for day, size, count in zip(dates, rosters, visitors, strict=True):
            on_duty = self.rng.sample(residents, size)
            note = SIJICHENG_DAY_NOTES.get(day, "")
            self.reception_day(station, day, rule, on_duty, SIJICHENG_THEMES, count, note=note, staff=self.staff)

    def plan_property_opinions(self):
        """30 opinions on property management: a survey (12) and three 座谈会 (6 each)."""
        station = self.station(("开封市", "龙亭区", "北郊乡", "四季城社区"), SIJICHENG)
        residents = self.residents[station.pk]
        survey_channels = [Channel.VISIT] * 6 + [Channel.MAILBOX] * 3 + [Channel.WECHAT] * 3
        self.rng.shuffle(survey_channels)
        first, last = PROPERTY_SURVEY
        survey_days = [first + timedelta(days=n) for n in range((last - first).days + 1)]
        order = list(range(len(PROPERTY_OPINIONS)))
        self.rng.shuffle(order)
        for number, index in enumerate(order, start=1):
            title, content = PROPERTY_OPINIONS[index]
            if number <= len(survey_channels):
                channel = survey_channels[number - 1]
                received_at = _aware(self.rng.choice(survey_days), self.rng.randint(8 * 60, 20 * 60))
                lead = {
                    Channel.VISIT: "物业管理服务问题入户调研中，居民反映：",
                    Channel.MAILBOX: "百姓意见箱收到的物业管理调研问卷：",
                    Channel.WECHAT: "通过联络点微信二维码提交的物业管理调研问卷：",
                }[channel]
                location = SIJICHENG_LOCATION
            else:
                meeting = (number - len(survey_channels) - 1) // 6
                channel = Channel.VISIT
                received_at = _aware(PROPERTY_SYMPOSIA[meeting], 15 * 60 + self.rng.randint(0, 90))
                lead = f"物业管理服务第{'一二三'[meeting]}次座谈会上，{self.rng.choice(PROPERTY_SPEAKERS)}提出："
                location = "四季城人大代表联络点代表会议室"
            name, phone = self.submitter()
            self.add(
                f"property/{number:02d}",
                station=station,
                channel=channel,
                title=title,
                content=lead + content,
                category="物业管理",
                received_at=received_at,
                representative=self.rng.choice(residents) if channel == Channel.VISIT else None,
                location=location,
                submitter_name=name,
                submitter_phone=phone,
                created_by=self.staff,
            )

    def plan_linzhou(self):
        """A weekly rule at each of the 20 stations, and its last eight weeks of reception days."""
        first = ANCHOR - timedelta(days=55)
        for index, area in enumerate((*LINZHOU_TOWNS, *LINZHOU_STREETS)):
            station = self.station(("安阳市", "林州市", area), f"{area}人大代表联络站")
            weekday = index % len(WEEKDAYS)  # the weekday its opening hours announce
            starts_on = first + timedelta(days=(weekday - first.weekday()) % 7)
            rule = self.rule(
                station,
                {
                    "kind": ReceptionRule.Kind.WEEKLY,
                    "weekday": weekday,
                    "day_of_month": None,
                    "start_time": clock(8, 30),
                    "end_time": clock(11, 30),
                    "duty_min": 3,
                    "duty_max": 5,
                    "starts_on": starts_on,
                    "is_active": True,
                },
            )
            street = _is_street(area)
            themes = [t for t in LINZHOU_THEMES if t.where in ("any", "street" if street else "town")]
            residents = self.residents[station.pk]
            for week in range(8):
                day = starts_on + timedelta(weeks=week)
                on_duty = self.rng.sample(residents, min(len(residents), self.rng.randint(3, 5)))
                place = f"{self.rng.choice(COMMUNITIES)}社区" if street else f"{self.rng.choice(VILLAGES)}村"
                visits = self.rng.randint(1, 4)
                self.reception_day(station, day, rule, on_duty, themes, visits, place=place, area=area)

    # Writing -----------------------------------------------------------------

    def write_days(self):
        station_ids = {planned.station.pk for planned in self.days}
        existing = {
            (day.station_id, day.date): day
            for day in ReceptionDay.objects.filter(
                station_id__in=station_ids, date__range=(min(p.date for p in self.days), ANCHOR)
            )
        }
        new = []
        for planned in self.days:
            planned.obj = existing.get((planned.station.pk, planned.date))
            if planned.obj is None:
                planned.obj = ReceptionDay(
                    station=planned.station,
                    date=planned.date,
                    start_time=planned.start,
                    end_time=planned.end,
                    rule=planned.rule,
                    note=planned.note,
                )
                new.append(planned)
        ReceptionDay.objects.bulk_create([planned.obj for planned in new])
        for planned in new:  # scheduled four weeks ahead, as the rule would have done
            planned.obj.created_at = _aware(planned.date - timedelta(days=28), 2 * 60)
        ReceptionDay.objects.bulk_update([planned.obj for planned in new], ["created_at"])
        through = ReceptionDay.on_duty.through
        through.objects.bulk_create(
            [through(receptionday_id=p.obj.pk, representative_id=rep.pk) for p in new for rep in p.on_duty]
        )
        self.seeder.tally.created["receptionday"] += len(new)
        self.seeder.tally.created["on duty"] += sum(len(p.on_duty) for p in new)

    def write_visits(self):
        existing = {
            (day_id, summary): pk
            for pk, day_id, summary in Visit.objects.filter(
                reception_day_id__in={v.day.obj.pk for v in self.visits}
            ).values_list("pk", "reception_day_id", "summary")
        }
        new = []
        for planned in self.visits:
            planned.pk = existing.get((planned.day.obj.pk, planned.summary))
            if planned.pk is None:
                new.append(
                    (
                        planned,
                        Visit(
                            reception_day=planned.day.obj,
                            visitor_name=planned.visitor_name,
                            visitor_phone=planned.visitor_phone,
                            summary=planned.summary,
                            answered_on_spot=bool(planned.spot_answer),
                            spot_answer=planned.spot_answer,
                            created_by=planned.created_by,
                        ),
                    )
                )
        Visit.objects.bulk_create([visit for _, visit in new])
        for planned, visit in new:
            planned.pk = visit.pk
            visit.created_at = planned.logged_at
        Visit.objects.bulk_update([visit for _, visit in new], ["created_at"])
        through = Visit.received_by.through
        through.objects.bulk_create(
            [through(visit_id=p.pk, representative_id=rep.pk) for p, _ in new for rep in p.received_by]
        )
        self.seeder.tally.created["visit"] += len(new)
        self.seeder.tally.created["received by"] += sum(len(p.received_by) for p, _ in new)

    def write_suggestions(self):
        """Missing suggestions in bulk, each with its RECEIVED event, as ``suggestion_create`` writes them."""
        planned_by_code = {stable_code(p.key, length=TRACKING_CODE_LENGTH): p for p in self.suggestions}
        assert len(planned_by_code) == len(self.suggestions), "two suggestions share a natural key"
        existing = set(
            Suggestion.objects.filter(tracking_code__in=planned_by_code).values_list("tracking_code", flat=True)
        )
        new = [
            Suggestion(
                tracking_code=code,
                title=p.title,
                content=p.content,
                location=p.location,
                category=self.categories[p.category],
                station=p.station,
                region_id=p.station.region_id,
                representative=p.representative,
                channel=p.channel,
                is_enterprise=bool(p.enterprise_name),
                enterprise_name=p.enterprise_name,
                submitter_name=p.submitter_name,
                submitter_phone=p.submitter_phone,
                received_at=p.received_at,
                visit_id=p.visit.pk if p.visit else None,
                created_by=p.created_by,
            )
            for code, p in planned_by_code.items()
            if code not in existing
        ]
        Suggestion.objects.bulk_create(new)
        with translation.override(settings.LANGUAGE_CODE):  # the texts suggestion_create writes
            events = [
                Event(
                    suggestion=suggestion,
                    kind=Event.Kind.RECEIVED,
                    actor=suggestion.created_by,
                    note=gettext("Entered from channel: %(channel)s") % {"channel": suggestion.get_channel_display()},
                    public_text=gettext("Received by %(station)s.") % {"station": suggestion.station.name},
                )
                for suggestion in new
            ]
        Event.objects.bulk_create(events)
        # The history happened when it was received, not when the seed ran.
        ids = [suggestion.pk for suggestion in new]
        Suggestion.objects.filter(pk__in=ids).update(created_at=F("received_at"), updated_at=F("received_at"))
        Event.objects.filter(suggestion_id__in=ids).update(
            created_at=Subquery(Suggestion.objects.filter(pk=OuterRef("suggestion_id")).values("received_at")[:1])
        )
        self.seeder.tally.created["suggestion"] += len(new)
        self.seeder.tally.created["event"] += len(events)

    def schedule_upcoming(self):
        """The next four weeks of every rule, by the scheduler itself (a date that has a day is left alone)."""
        until = timezone.localdate() + timedelta(days=UPCOMING_DAYS)
        for rule in self.rules:
            self.seeder.tally.created["receptionday"] += reception_days_generate(rule=rule, until=until)


# The closed loop --------------------------------------------------------------------------------
#
# Each demo suggestion goes round the loop as far as it would have got by ANCHOR: handed to a
# representative 1–3 working days after it arrived, assessed, assigned with the policy's
# working-day deadlines, accepted, replied (mostly in time), released and rated. How far, and on
# which days, is drawn from a generator seeded with its tracking code, so every run agrees. A few
# are steered into given states (Loop.specials) so that every page and every demo login has
# something to show. Deadlines of what is still open are moved by the working days between ANCHOR
# and the day of the run: the supervision colours (overdue, due within 3 working days) are true
# today, while everything that happened stays on the fixed history.
#
# Rows are written the way the services in suggestions.loop.actions write them (same fields, same event
# texts), but in bulk and dated in the past, and only for suggestions still at 汇总梳理 with no
# workflow step yet: what a user moved on in the portal is left alone.

LOOP_RANDOM_SEED = "demo-loop-20261120"
REDO_MIN_AGE = 120  # days; only items this old were once rated 不满意 and taken up again
REDO_SHARE = 0.06
LATE_ACCEPT_SHARE = 0.05
LATE_REPLY_SHARE = 0.12
CO_UNIT_SHARE = 0.35
OFFICE_MINUTES = (8 * 60 + 30, 17 * 60 + 30)
CITIZEN_MINUTES = (7 * 60, 22 * 60)
SOLVED_THEMES = ("便民市场", "卫生院", "广济路")  # the seed says these were solved: never left open
POLICY_THEMES = ("上学难", "人防", "广济路", "卫生院", "便民市场")  # 闭会建议 material

# Which unit handles what: (words in the title, lead unit, co-unit). "{town}" is the Linzhou town's
# (street's) office, "{county}" the Pingdingshan county's government.
KAIFENG_RULES = (
    (("上学难",), "开封市教育体育局", "龙亭区人民政府"),
    (("广济路",), "开封市住房和城乡建设局", "开封市自然资源和规划局"),
    (("人防",), "开封市人民防空办公室", "开封市住房和城乡建设局"),
    (("不动产权证",), "开封市住房和城乡建设局", "开封市自然资源和规划局"),
    (("便民市场",), "龙亭区人民政府", "开封市市场监督管理局"),
    (("卫生院",), "开封市卫生健康委员会", "龙亭区人民政府"),
    (("公交",), "开封市交通运输局", ""),
    (("业主委员会",), "北郊乡人民政府", "开封市住房和城乡建设局"),
    (("助餐",), "开封市民政局", "北郊乡人民政府"),
    (("路灯", "渣土车", "供暖"), "开封市城市管理局", ""),
)
KAIFENG_BY_CATEGORY = {
    "物业管理": "开封市住房和城乡建设局",
    "城建交通": "开封市住房和城乡建设局",
    "教育": "开封市教育体育局",
    "医疗卫生": "开封市卫生健康委员会",
    "社会保障": "开封市民政局",
    "生态环境": "开封市城市管理局",
}
KAIFENG_ALTERNATES = ("龙亭区人民政府", "北郊乡人民政府")
LINZHOU_RULES = (
    (("红旗渠", "供水"), "林州市水利局", "{town}"),
    (("生产道路", "公交"), "林州市交通运输局", "{town}"),
    (("老旧小区", "积水"), "林州市住房和城乡建设局", "{town}"),
    (("低保", "助餐"), "林州市民政局", "{town}"),
    (("学校门口",), "林州市教育体育局", "{town}"),
    (("卫生室",), "林州市卫生健康委员会", "{town}"),
    (("石料厂",), "{town}", "林州市自然资源和规划局"),
    (("农机",), "林州市农业农村局", ""),
    (("旅游",), "{town}", "林州市市场监督管理局"),
)
LINZHOU_BY_CATEGORY = {
    "农业农村": "林州市农业农村局",
    "城建交通": "林州市住房和城乡建设局",
    "物业管理": "林州市住房和城乡建设局",
    "社会保障": "林州市民政局",
    "生态环境": "林州市自然资源和规划局",
    "医疗卫生": "林州市卫生健康委员会",
    "教育": "林州市教育体育局",
    "营商环境": "林州市市场监督管理局",
}
PINGDINGSHAN_RULES = (
    (("烟农",), "平顶山市农业农村局", "平顶山市财政局"),
    (("贷款", "续贷"), "平顶山市工业和信息化局", "平顶山市财政局"),
    (("变压器", "停电", "用电"), "平顶山市发展和改革委员会", "{county}"),
    (("消防验收",), "平顶山市住房和城乡建设局", ""),
    (("审批", "检查频次"), "平顶山市市场监督管理局", ""),
    (("招不到", "用工", "意外保障"), "平顶山市人力资源和社会保障局", ""),
    (("电商直播",), "平顶山市商务局", "平顶山市人力资源和社会保障局"),
    (("物流奖补",), "平顶山市商务局", "平顶山市财政局"),
    (("通行证", "道路"), "平顶山市交通运输局", "{county}"),
    (("停车", "燃气"), "平顶山市城市管理局", ""),
    (("留抵退税",), "平顶山市财政局", ""),
    (("仓储用房",), "平顶山市自然资源和规划局", "{county}"),
    (("拖欠货款",), "平顶山市工业和信息化局", ""),
    (("燃煤烤房",), "平顶山市生态环境局", "平顶山市农业农村局"),
    (("机井", "提灌"), "平顶山市水利局", "{county}"),
    (("收购", "定级", "土地流转"), "{county}", "平顶山市农业农村局"),
)
PINGDINGSHAN_BY_CATEGORY = {
    "营商环境": "平顶山市工业和信息化局",
    "农业农村": "平顶山市农业农村局",
    "城建交通": "平顶山市住房和城乡建设局",
    "社会保障": "平顶山市人力资源和社会保障局",
    "生态环境": "平顶山市生态环境局",
}

INSTRUCTIONS = "请按规定时限办理，办理结果及时答复代表和群众。"
INSTRUCTIONS_CO = "请{lead}牵头办理，{co}配合，按规定时限答复。"
INSTRUCTIONS_REDO = "群众对上次答复不满意，请重新研究办理，必要时会同代表当面听取群众意见。"
REPLY_TEXTS = {
    "solved": (
        "收到交办后，我单位安排专人到现场核实，会同属地制定整改方案。群众反映的“{title}”问题已于{date}整改到位，"
        "后续将纳入日常巡查，防止反弹。",
        "经调查核实，群众反映的情况属实。我单位已协调有关方面落实整改，“{title}”问题已解决，并于{date}电话告知反映人。",
    ),
    "partly": (
        "我单位就“{title}”组织专题研究，能立即解决的已于{date}前整改完毕；涉及资金和规划调整的部分已列入明年工作计划，"
        "届时将向代表和群众通报进展。",
    ),
    "explained": (
        "经研究，“{title}”涉及规划、资金等多方面因素，短期内难以全部解决。我单位已于{date}向反映人当面说明政策依据和"
        "下一步打算，并将持续跟踪推进。",
    ),
}
# The seed's own outcomes (the 3件闭会建议, 便民市场, 卫生院新院址) and the hard cases it names.
TOPIC_REPLIES = (
    (
        "上学难",
        "partly",
        "我局已调整安置房片区中学布点，片区新建小学已启动建设；建成前通过就近学校扩班增加学位，保障适龄儿童就近入学。",
    ),
    (
        "广济路",
        "solved",
        "我局组建“人大代表服务队”，接受代表监督，广济路未通段已完成征迁和管网迁改，道路建成通车，路灯同步安装到位。",
    ),
    ("人防", "solved", "我办创新人防工程分期竣工核实办法，分期交付的楼栋可单独进行人防竣工核实，实现收房即可办证。"),
    (
        "便民市场",
        "solved",
        "劳动路北段便民市场已完成选址建设并投入使用，周边流动摊贩已引导入市经营，占道问题得到解决。",
    ),
    ("卫生院", "solved", "北郊乡卫生院新院址已确定并纳入区年度重点项目，新院区建设已开工。"),
    (
        "不动产权证",
        "explained",
        "安置房办证涉及规划、土地、人防等多项验收，目前卡在人防工程竣工核实环节。我单位已会同有关部门成立工作专班，"
        "逐栋梳理、分批办理，办理进度将在联络点公示。",
    ),
    (
        "公交",
        "explained",
        "公交站点和线路调整须开展客流调查和论证。我单位已将群众意见纳入线网优化方案，论证完成后分步实施，调整结果将公示。",
    ),
    ("业主委员会", "solved", "已明确专人指导，协助业主组建业主大会筹备组、核实业主身份，业主大会筹备工作已经启动。"),
    ("红旗渠", "solved", "该段支渠清淤和防渗维修已列入今冬明春水利冬春修计划，已于{date}完成清淤，破损衬砌正在修复。"),
)
OPINION_TEXT = "我单位同意主办单位意见，将在职责范围内配合做好“{title}”涉及的相关工作。"
# A representative's own answer: the explanation the seed's reception themes give on the spot, else one of these.
DIRECT_ANSWER = (
    "代表已就“{title}”向有关部门了解情况：该事项已有明确政策和办理渠道。代表已当面向反映人讲解办理流程和所需材料，"
    "并留下了经办人联系电话。"
)
DIRECT_ANSWER_LOCAL = "代表会同村（社区）干部到现场查看，协调有关方面当场处理，“{title}”反映的问题已解决。"
REDO_ANSWER = "代表约见承办单位负责人和反映人当面沟通，承办单位已明确整改措施和完成时限，代表将跟踪督促落实。"
PROPOSAL_ANSWER = (
    "您的意见已与物业管理服务调研和三次座谈会收集的意见一并汇总，由驻点代表联名提出制定《开封市物业管理条例》的"
    "立法建议。开封市人大常委会已将物业管理立法纳入立法项目储备库，立法调研时将继续听取意见。"
)
PROPOSAL_NOTES = {
    "property": "汇总形成制定《开封市物业管理条例》的立法建议。",
    "other": "拟作为闭会期间代表建议提出，并跟踪督办。",
}
DECLINE_REASONS = {
    "dispute": "该事项属于相邻关系民事纠纷，经村（社区）调解未果，依法应通过人民调解或诉讼解决，不作交办。"
    "代表已告知当事人可申请司法所调解和法律援助。",
    "other": "经核实，所反映事项已由有关部门依法处理完毕，不再重复交办。代表已向反映人说明情况。",
}
DISPUTES = ("宅基地", "浇地")
RATING_COMMENTS = {
    "satisfied": ("", "", "问题解决了，感谢代表和工作人员！", "办得很快，满意。"),
    "basically": ("", "已经有进展，希望尽快全部落实。", "解释清楚了，希望早日解决。"),
    "unsatisfied": (
        "答复只是解释，问题没有实质解决。",
        "现场情况没有变化，希望继续跟进。",
        "办理时间太长，还没有看到效果。",
    ),
    "declined": ("", "", "理解，谢谢代表解释。"),
}
EXTENSION_REASONS = {
    "approved": "该事项需会同有关部门研究制定配套办法并履行报批程序，原定时限内无法办结，申请延期答复。",
    "pending": "该事项需结合今冬明春水利冬春修统一安排资金和施工，原定时限内难以办结，申请延期答复。",
}
EXTENSION_DECISION = "同意延期，请按新的时限办结并及时报告进展。"
FLAG_NOTE = "逾期未办结，列入人大常委会挂牌督办，请承办单位限期办结并报告。"

# Where a plan stands when it stops (the suggestion's stage, and the lead assignment's status).
COLLECTING, ASSESSING, PENDING, ACCEPTED, REPLIED, RELEASED, CLOSED = (
    "collect",
    "assess",
    "pending",
    "accepted",
    "replied",
    "released",
    "closed",
)
OPEN_STATUSES = (Assignment.Status.PENDING, Assignment.Status.ACCEPTED)


def _demo_unit_names() -> list[str]:
    """Every demo unit, in the order :meth:`Seeder.build_units` makes them (handler_<n> follows it)."""
    return [
        *(name for name, _short in PINGDINGSHAN_UNITS),
        *(f"{county}人民政府" for county in REGION_TREE["平顶山市"]),
        *(name for name, _short in LINZHOU_UNITS),
        *(f"{area}办事处" if _is_street(area) else f"{area}人民政府" for area in (*LINZHOU_TOWNS, *LINZHOU_STREETS)),
        *(name for name, _short in KAIFENG_UNITS),
        "龙亭区人民政府",
        "北郊乡人民政府",
    ]


def _day_text(day: date) -> str:
    return f"{day.month}月{day.day}日"


@dataclass(frozen=True)
class Scenario:
    """Where to steer a suggestion; the defaults let its own draws decide everything."""

    decision: str = ""  # the first assessment: Action.ASSIGN, ANSWER_DIRECTLY or MARK_PROPOSAL
    rejects: int | None = None  # 不满意 rounds before the last one (None: drawn)
    stop: str = ""  # where the last round stops: ASSESSING, PENDING, ACCEPTED, REPLIED, RELEASED
    decide_before: tuple[int, int] | None = None  # decided this many working days before ANCHOR, at the latest
    extension: str = ""  # "approved" or "pending": the lead unit asked for more time
    due: str = ""  # an open lead assignment's deadline at ANCHOR: "overdue", "soon" (3 working days), else later


NATURAL = Scenario()


class _Stopped(Exception):
    """The next step falls after ANCHOR (or the scenario stops here)."""


@dataclass
class LoopStep:
    at: datetime
    action: str
    from_stage: str
    to_stage: str
    actor: int | str | None  # a user id, or a unit's name (its handler), or None
    note: str = ""
    public_text: str = ""


@dataclass
class LoopAssignment:
    unit: str
    role: str
    assigned_at: datetime
    instructions: str
    accept_due: date
    reply_due: date
    assigned_by: int | None
    status: str = Assignment.Status.PENDING
    accepted_at: datetime | None = None
    replied_at: datetime | None = None
    reply: tuple[str, str] | None = None  # (result, text)
    flagged: bool = False
    extension: dict | None = None


@dataclass
class LoopPlan:
    code: str
    item: PlannedSuggestion
    end: datetime
    special: str = ""
    steps: list[LoopStep] = field(default_factory=list)
    assignments: list[LoopAssignment] = field(default_factory=list)
    ratings: list[tuple[int, str, str, datetime]] = field(default_factory=list)  # (round, verdict, comment, at)
    escalations: list[tuple[LoopAssignment, date, datetime]] = field(default_factory=list)
    point: str = COLLECTING
    stage: str = Stage.COLLECT
    assessor_id: int | None = None
    redo_count: int = 0
    supervised: bool = False
    flagged: bool = False
    marked: bool = False
    answer: str = ""
    released_at: datetime | None = None
    rating_due: date | None = None
    outcome: str = ""
    closed_at: datetime | None = None

    def add(self, at: datetime, action: str, to_stage: str, *, actor=None, note: str = "", public_text: str = ""):
        if at > self.end:
            raise _Stopped
        self.steps.append(LoopStep(at, action, self.stage, to_stage, actor, note, public_text[:300]))
        self.stage = to_stage

    @property
    def lead(self) -> LoopAssignment | None:
        leads = [a for a in self.assignments if a.role == Assignment.Role.LEAD]
        return leads[-1] if leads else None

    @property
    def last_at(self) -> datetime:
        return self.steps[-1].at if self.steps else self.item.received_at


class Loop:
    """Moves the demo suggestions through the closed loop (see the comment above ``LOOP_RANDOM_SEED``)."""

    def __init__(self, seeder: Seeder, intake: Intake):
        self.seeder = seeder
        self.intake = intake
        self.today = timezone.localdate()
        self.now = timezone.now()
        self.end = _aware(ANCHOR, 24 * 60 - 1)
        demo_regions = [region.pk for region in seeder.regions.values()]
        units = HandlingUnit.objects.filter(name__in=_demo_unit_names(), region__in=demo_regions)
        self.units = {unit.name: unit for unit in units}
        self.paths = {region.pk: path for path, region in seeder.regions.items()}
        station_ids = {planned.station.pk for planned in intake.suggestions}
        self.heads = dict(Station.objects.filter(pk__in=station_ids).values_list("pk", "head_id"))
        self.rep_names = dict(Representative.objects.values_list("pk", "name"))
        self.rep_users = dict(Representative.objects.filter(user__isnull=False).values_list("pk", "user_id"))
        self.staff = {}
        for station_id, user_id in Station.staff.through.objects.filter(station_id__in=station_ids).values_list(
            "station_id", "user_id"
        ):
            self.staff.setdefault(station_id, user_id)
        self.region_paths = dict(Region.objects.values_list("pk", "path"))
        admins = get_user_model().objects.filter(committee_regions__isnull=False)
        self.admins = sorted(admins.values_list("committee_regions__path", "pk"), key=lambda row: -len(row[0]))
        self.policies = {
            (p.category_id, p.urgency): {
                "accept_days": p.accept_days,
                "reply_days": p.reply_days,
                "rating_days": p.rating_days,
            }
            for p in DeadlinePolicy.objects.all()
        }
        self._workdays: dict[date, bool] = {}

    # Calendar ------------------------------------------------------------------------------------

    def is_workday(self, day: date) -> bool:
        """:func:`core.workdays.is_workday`, asked once per date (it re-validates the calendar on every call)."""
        known = self._workdays.get(day)
        if known is None:
            known = self._workdays[day] = workdays.is_workday(day)
        return known

    def add_workdays(self, day: date, days: int) -> date:
        """:func:`core.workdays.add_workdays` on the memoised calendar."""
        if days == 0:
            while not self.is_workday(day):
                day += timedelta(days=1)
            return day
        while days > 0:
            day += timedelta(days=1)
            days -= self.is_workday(day)
        return day

    def subtract_workdays(self, day: date, days: int) -> date:
        while days > 0:
            day -= timedelta(days=1)
            days -= self.is_workday(day)
        return day

    def office(self, rng: random.Random, day: date, after: datetime) -> datetime:
        """A moment in office hours on ``day``, later than ``after``."""
        moment = _aware(day, rng.randint(*OFFICE_MINUTES))
        if moment <= after:
            moment = after + timedelta(minutes=rng.randint(15, 120))
        return moment

    def workdays_between(self, start: date, end: date) -> int:
        if end < start:
            return -self.workdays_between(end, start)
        count = 0
        while start < end:
            start += timedelta(days=1)
            count += self.is_workday(start)
        return count

    def shift(self, day: date) -> date:
        """A deadline of the history moved to the day of the run, keeping its working days from ANCHOR."""
        offset = self.workdays_between(ANCHOR, day)
        if offset >= 0:
            return self.add_workdays(self.today, offset)
        return self.subtract_workdays(self.today, -offset)

    def policy(self, item: PlannedSuggestion) -> dict:
        """What :func:`suggestions.loop.actions.policy_for` answers (demo suggestions are all of normal urgency)."""
        category = self.intake.categories[item.category].pk
        found = self.policies.get((category, Urgency.NORMAL)) or self.policies.get((None, Urgency.NORMAL))
        return found or dict(loop.DEFAULT_DAYS)

    # Who ----------------------------------------------------------------------------------------

    def assessor(self, item: PlannedSuggestion) -> int | None:
        """The addressed representative, else the station's head (as ``default_assessor`` picks)."""
        return item.representative.pk if item.representative else self.heads.get(item.station.pk)

    def committee_admin(self, item: PlannedSuggestion) -> int | None:
        path = self.region_paths[item.station.region_id]
        return next((user_id for prefix, user_id in self.admins if path.startswith(prefix)), None)

    def units_for(self, item: PlannedSuggestion) -> tuple[str, str, list[str]]:
        """(lead, co-unit or "", alternates for a second round) for the item's region and problem."""
        path = self.paths[item.station.region_id]
        if path[0] == "开封市":
            rules, by_category, fallback = KAIFENG_RULES, KAIFENG_BY_CATEGORY, "龙亭区人民政府"
            place = {}
        elif path[0] == "安阳市":
            area = path[2]
            office = f"{area}办事处" if _is_street(area) else f"{area}人民政府"
            rules, by_category, fallback = LINZHOU_RULES, {}, office
            place = {"town": office}
        else:
            rules, by_category, fallback = PINGDINGSHAN_RULES, PINGDINGSHAN_BY_CATEGORY, f"{path[1]}人民政府"
            place = {"county": f"{path[1]}人民政府"}
        lead, co = by_category.get(item.category, fallback), ""
        for words, rule_lead, rule_co in rules:
            if any(word in item.title for word in words):
                lead, co = rule_lead.format(**place), rule_co.format(**place)
                break
        if path[0] == "开封市":
            alternates = list(KAIFENG_ALTERNATES)
        elif path[0] == "安阳市":
            alternates = [place["town"], LINZHOU_BY_CATEGORY.get(item.category, "林州市住房和城乡建设局")]
        else:
            alternates = [place["county"], "平顶山市发展和改革委员会"]
        return lead, co, [unit for unit in alternates if unit not in (lead, co)]

    # One suggestion's way round the loop -----------------------------------------------------------

    def simulate(self, code: str, item: PlannedSuggestion, scenario: Scenario = NATURAL) -> LoopPlan:
        rng = random.Random(f"{LOOP_RANDOM_SEED}:{code}:{scenario}")
        plan = LoopPlan(code, item, self.end)
        try:
            self.walk(plan, rng, scenario)
        except _Stopped:
            pass
        return plan

    def walk(self, plan: LoopPlan, rng: random.Random, scenario: Scenario) -> None:
        item = plan.item
        age = (ANCHOR - item.received_at.date()).days
        days = self.policy(item)
        assessor = self.assessor(item)
        rep_user = self.rep_users.get(assessor)
        lead, co, alternates = self.units_for(item)
        if scenario.rejects is not None:
            rejects = scenario.rejects
        elif "/property/" in item.key:  # answered by the proposal itself
            rejects = 0
        else:
            rejects = 1 if age > REDO_MIN_AGE and rng.random() < REDO_SHARE else 0

        # 汇总梳理 → 分析研判
        hand_day = self.add_workdays(item.received_at.date(), rng.randint(1, 3))
        moment = self.office(rng, hand_day, item.received_at)
        plan.add(
            moment,
            Action.HAND_TO_REPRESENTATIVE,
            Stage.ASSESS,
            actor=self.staff.get(item.station.pk),
            public_text=gettext("Checked and handed to representative %(name)s.") % {"name": self.rep_names[assessor]},
        )
        plan.assessor_id, plan.point = assessor, ASSESSING
        used_leads: set[str] = set()
        for round_ in range(rejects + 1):
            last = round_ == rejects
            if last and scenario.stop == ASSESSING and scenario.decision != Action.MARK_PROPOSAL:
                raise _Stopped
            decision_day = self.add_workdays(moment.date(), rng.randint(1, 4))
            if last and scenario.decide_before:  # the representative looked into it for a while (调研)
                decision_day = max(decision_day, self.subtract_workdays(ANCHOR, rng.randint(*scenario.decide_before)))
            moment = self.office(rng, decision_day, moment)
            if round_ == 0:
                decision = scenario.decision or self.decide(item, rng)
                unit, co_unit = lead, co if rng.random() < CO_UNIT_SHARE else ""
                instructions = INSTRUCTIONS_CO.format(lead=lead, co=co) if co_unit else INSTRUCTIONS
            else:
                fresh = [unit for unit in [lead, *alternates] if unit not in used_leads]
                decision = Action.ASSIGN if fresh and round_ < 2 else "redo_answer"
                unit, co_unit, instructions = (fresh[0] if fresh else ""), "", INSTRUCTIONS_REDO
            if decision == Action.MARK_PROPOSAL:
                property_opinion = "/property/" in item.key
                plan.add(
                    moment,
                    Action.MARK_PROPOSAL,
                    Stage.ASSESS,
                    actor=rep_user,
                    note=PROPOSAL_NOTES["property" if property_opinion else "other"],
                    public_text=gettext("Taken up for a formal proposal to the congress."),
                )
                plan.marked = True
                if last and scenario.stop == ASSESSING:
                    raise _Stopped
                moment = self.office(rng, self.add_workdays(moment.date(), rng.randint(1, 3)), moment)
                decision = "proposal_answer" if property_opinion else Action.ASSIGN
            if decision == Action.ASSIGN:
                used_leads.add(unit)
                moment = self.assign(
                    plan, rng, days, unit, co_unit, instructions, moment, scenario if last else NATURAL
                )
                if last and scenario.stop in (PENDING, ACCEPTED, REPLIED):
                    raise _Stopped
                answer = plan.lead.reply[1]
                release_day = self.add_workdays(moment.date(), rng.randint(1, 3))
                moment = self.office(rng, release_day, moment)
                releaser = rep_user or self.staff.get(item.station.pk)
                public = gettext("Answer: %(answer)s") % {"answer": answer[:250]}
                plan.add(moment, Action.RELEASE, Stage.FEEDBACK, actor=releaser, note=answer, public_text=public)
            elif decision == Action.DECLINE:
                answer = DECLINE_REASONS["dispute" if any(w in item.title for w in DISPUTES) else "other"]
                public = gettext("Not taken up: %(reason)s") % {"reason": answer[:250]}
                plan.add(moment, Action.DECLINE, Stage.FEEDBACK, actor=rep_user, note=answer, public_text=public)
            else:
                if decision == "proposal_answer":
                    answer = PROPOSAL_ANSWER
                elif decision == "redo_answer":
                    answer = REDO_ANSWER
                else:
                    answer = self.direct_answer(item, rng)
                public = gettext("A representative answered: %(answer)s") % {"answer": answer[:250]}
                plan.add(
                    moment, Action.ANSWER_DIRECTLY, Stage.FEEDBACK, actor=rep_user, note=answer, public_text=public
                )
            plan.answer, plan.released_at, plan.point = answer, moment, RELEASED
            plan.rating_due = self.add_workdays(moment.date(), days["rating_days"])
            if last and scenario.stop == RELEASED:
                raise _Stopped
            moment = self.rate(plan, rng, decision, rejected=not last)

    def direct_answer(self, item: PlannedSuggestion, rng: random.Random) -> str:
        for theme in (*SIJICHENG_THEMES, *LINZHOU_THEMES):
            words = [part for part in re.split(r"\{\w+\}", theme.title) if part]
            if theme.spot_answer and words and all(word in item.title for word in words):
                return theme.spot_answer
        local = self.paths[item.station.region_id][0] != "平顶山市"  # a township or community station
        return (DIRECT_ANSWER_LOCAL if local and rng.random() < 0.5 else DIRECT_ANSWER).format(title=item.title)

    def decide(self, item: PlannedSuggestion, rng: random.Random) -> str:
        """The representative's first assessment."""
        if "/property/" in item.key:  # the 30 opinions became the joint proposal for a 物业管理条例
            return Action.MARK_PROPOSAL
        draw = rng.random()
        if any(word in item.title for word in DISPUTES) and draw < 0.3:
            return Action.DECLINE
        if draw < 0.02:
            return Action.DECLINE
        if draw < 0.10:
            return Action.ANSWER_DIRECTLY
        if any(word in item.title for word in POLICY_THEMES) and draw < 0.35:
            return Action.MARK_PROPOSAL
        return Action.ASSIGN

    def assign(self, plan, rng, days, lead, co, instructions, moment, scenario) -> datetime:
        """交办 and what the units do up to the lead unit's reply; returns the reply's moment."""
        rep_user = self.rep_users.get(plan.assessor_id)
        for old in plan.assignments:  # a new assignment withdraws what is still open (suggestion_assign)
            if old.status in OPEN_STATUSES:
                old.status = Assignment.Status.WITHDRAWN
        day = moment.date()
        units = [lead, co] if co else [lead]
        new = [
            LoopAssignment(
                unit,
                Assignment.Role.LEAD if index == 0 else Assignment.Role.CO,
                moment,
                instructions,
                self.add_workdays(day, days["accept_days"]),
                self.add_workdays(day, days["reply_days"]),
                rep_user,
            )
            for index, unit in enumerate(units)
        ]
        public = gettext("Assigned to %(units)s.") % {"units": "、".join(units)}
        plan.add(moment, Action.ASSIGN, Stage.ASSIGN, actor=rep_user, note=instructions, public_text=public)
        plan.assignments += new
        plan.point = PENDING
        if scenario.stop == PENDING:
            raise _Stopped
        lead_assignment = new[0]
        accepted = {}
        for assignment in new:
            late = rng.random() < LATE_ACCEPT_SHARE
            accept_day = self.add_workdays(day, rng.randint(3, 4) if late else rng.choice((0, 1, 1, 2)))
            accepted[assignment.unit] = self.office(rng, accept_day, moment)
        accept_at = accepted[lead]
        reply_day = min(self.add_workdays(accept_at.date(), rng.randint(2, 12)), lead_assignment.reply_due)
        if rng.random() < LATE_REPLY_SHARE:
            reply_day = self.add_workdays(lead_assignment.reply_due, rng.randint(1, 8))
        reply_at = self.office(rng, reply_day, accept_at)
        result, text = self.reply_text(plan.item, rng, reply_day)
        # What happens before the reply, in the order it happens: (moment, what, assignment).
        timeline = [(accept_at, Action.ACCEPT, lead_assignment)]
        if co:
            co_assignment = new[1]
            co_accept = accepted[co]
            opinion_at = self.office(rng, self.add_workdays(co_accept.date(), rng.randint(1, 6)), co_accept)
            if opinion_at >= reply_at - timedelta(minutes=20):
                opinion_at = reply_at - timedelta(minutes=rng.randint(20, 90))
                co_accept = min(co_accept, opinion_at - timedelta(minutes=rng.randint(30, 120)))
            timeline += [(co_accept, Action.ACCEPT, co_assignment), (opinion_at, Action.OPINION, co_assignment)]
        if scenario.extension:
            asked = self.office(rng, self.subtract_workdays(lead_assignment.reply_due, rng.randint(2, 4)), accept_at)
            timeline.append((asked, Action.REQUEST_EXTENSION, lead_assignment))
            if scenario.extension == "approved":
                decided = self.office(rng, self.add_workdays(asked.date(), rng.randint(1, 2)), asked)
                timeline.append((decided, Action.DECIDE_EXTENSION, lead_assignment))
        if scenario.stop != ACCEPTED:
            timeline.append((reply_at, Action.REPLY, lead_assignment))
        timeline.sort(key=lambda row: row[0])
        for at, action, assignment in timeline:
            if at > self.end and assignment.role == Assignment.Role.CO:
                continue  # the co-unit's step would come later: it does not stop the lead's
            unit = assignment.unit
            if action == Action.ACCEPT:
                public = gettext("%(unit)s accepted the assignment.") % {"unit": unit}
                plan.add(at, action, Stage.ASSIGN, actor=unit, public_text=public)
                assignment.status, assignment.accepted_at = Assignment.Status.ACCEPTED, at
                if assignment is lead_assignment:
                    plan.point = ACCEPTED
            elif action == Action.OPINION:
                opinion = OPINION_TEXT.format(title=plan.item.title)
                plan.add(at, action, Stage.ASSIGN, actor=unit, note=opinion)
                assignment.status, assignment.replied_at = Assignment.Status.REPLIED, at
                assignment.reply = (Reply.Result.OPINION, opinion)
            elif action == Action.REQUEST_EXTENSION:
                reason = EXTENSION_REASONS[scenario.extension]
                plan.add(at, action, Stage.ASSIGN, actor=unit, note=reason)
                asked_for = self.add_workdays(assignment.reply_due, 20 if scenario.extension == "pending" else 15)
                if scenario.extension == "approved":  # granted far enough ahead to be on time at ANCHOR
                    asked_for = max(asked_for, self.add_workdays(ANCHOR, 8))
                assignment.extension = {"reason": reason, "requested_due": asked_for, "at": at, "status": "pending"}
            elif action == Action.DECIDE_EXTENSION:
                admin = self.committee_admin(plan.item)
                public = gettext("The handling deadline was extended.")
                plan.add(at, action, Stage.ASSIGN, actor=admin, note=EXTENSION_DECISION, public_text=public)
                assignment.extension.update(status="approved", decided_at=at, decided_by=admin)
                assignment.reply_due = assignment.extension["requested_due"]
            else:
                public = gettext("%(unit)s replied; the answer is being reviewed.") % {"unit": unit}
                plan.add(at, action, Stage.FEEDBACK, actor=unit, note=text, public_text=public)
                assignment.status, assignment.replied_at, assignment.reply = (
                    Assignment.Status.REPLIED,
                    at,
                    (result, text),
                )
                plan.point = REPLIED
        return reply_at

    def reply_text(self, item: PlannedSuggestion, rng: random.Random, day: date) -> tuple[str, str]:
        for word, result, text in TOPIC_REPLIES:
            if word in item.title:
                return result, text.format(date=_day_text(day))
        result = rng.choices(("solved", "partly", "explained"), weights=(60, 25, 15))[0]
        return result, rng.choice(REPLY_TEXTS[result]).format(title=item.title, date=_day_text(day))

    def rate(self, plan: LoopPlan, rng: random.Random, decision: str, *, rejected: bool) -> datetime:
        """评单: 不满意 (when this round is to be rejected), else 满意 / 基本满意, or no rating at all."""
        released = plan.released_at
        if rejected:
            verdict = Rating.Verdict.UNSATISFIED
        else:
            weights = (30, 60, 10) if decision == Action.DECLINE else (74, 21, 5)
            verdict = rng.choices((Outcome.SATISFIED, Outcome.BASICALLY_SATISFIED, Outcome.UNRATED), weights)[0]
        if verdict == Outcome.UNRATED:  # the nightly sweep closes it the day after the rating window
            moment = _aware(plan.rating_due + timedelta(days=1), 2 * 60 + rng.randint(0, 20))
            plan.add(moment, Action.CLOSE_UNRATED, Stage.CLOSED, public_text=gettext("Closed without a rating."))
            plan.outcome, plan.closed_at, plan.point = Outcome.UNRATED, moment, CLOSED
            return moment
        moment = _aware(released.date() + timedelta(days=rng.randint(1, 6)), rng.randint(*CITIZEN_MINUTES))
        comment = rng.choice(RATING_COMMENTS["declined" if decision == Action.DECLINE and not rejected else verdict])
        if verdict == Rating.Verdict.UNSATISFIED:
            public = gettext("You were not satisfied; the representative takes it up again.")
            plan.add(moment, Action.RATE_REJECT, Stage.ASSESS, note=comment, public_text=public)
            plan.ratings.append((plan.redo_count, verdict, comment, moment))
            plan.redo_count += 1
            plan.supervised = plan.supervised or plan.redo_count >= loop.REDO_LIMIT
            plan.released_at = plan.rating_due = None
            plan.point = ASSESSING
            return moment
        public = gettext("Rated: %(verdict)s. Closed.") % {"verdict": Rating.Verdict(verdict).label}
        plan.add(moment, Action.RATE_ACCEPT, Stage.CLOSED, note=comment, public_text=public)
        plan.ratings.append((plan.redo_count, verdict, comment, moment))
        plan.outcome, plan.closed_at, plan.point = verdict, moment, CLOSED
        return moment

    # Steering a few ------------------------------------------------------------------------------

    def specials(self):
        """(name, scenario, which suggestions may play it, how many, which first), in the order they are cast.

        Every demo login gets something in its inbox: demo_rep (the 四季城 head) items to assess and
        answers to release, demo_handler (开封市住建局) assignments to accept and to answer; the
        committee an item under its supervision after three 不满意 and extension requests.
        """
        sijicheng = SIJICHENG

        def at_sijicheng(item):
            return item.station.name == sijicheng and "/property/" not in item.key

        def open_theme(item):
            return not any(word in item.title for word in SOLVED_THEMES)

        def for_demo_rep(item):
            return at_sijicheng(item) and open_theme(item) and self.assessor(item) == self.heads[item.station.pk]

        def for_demo_handler(item):
            return at_sijicheng(item) and open_theme(item) and self.units_for(item)[0] == DEMO_HANDLER_UNIT

        def elsewhere(item):
            return item.station.name != sijicheng and open_theme(item)

        def received(first: int, last: int):
            """Received between ``first`` and ``last`` days before ANCHOR: only those can fit (and it saves walks)."""
            return lambda item: first <= (ANCHOR - item.received_at.date()).days <= last

        recent = received(0, 150)

        def latest(plan):
            return -plan.last_at.timestamp()

        def by_code(plan):
            return stable_code(f"demo-loop:{plan.code}")

        assign = Action.ASSIGN
        return (
            (
                "committee supervision",
                Scenario(rejects=3, stop=ASSESSING),
                lambda i: for_demo_rep(i) and any(w in i.title for w in ("不动产权证", "上学难")),
                1,
                latest,
            ),
            (
                "extension approved",
                Scenario(decision=assign, stop=ACCEPTED, extension="approved"),
                lambda i: at_sijicheng(i) and "人防" in i.title,
                1,
                latest,
            ),
            (
                "extension pending",
                Scenario(decision=assign, stop=ACCEPTED, extension="pending"),
                lambda i: "红旗渠" in i.title,
                1,
                lambda plan: (plan.lead.reply_due < ANCHOR, plan.lead.reply_due, plan.code),
            ),
            (
                "to accept",
                Scenario(decision=assign, rejects=0, stop=PENDING, decide_before=(0, 1)),
                lambda i: for_demo_handler(i) and i.received_at.date() > ANCHOR - timedelta(days=100),
                2,
                lambda plan: (-plan.item.received_at.timestamp(), plan.code),
            ),
            (
                # answered by the representative, 不满意, then assigned to the unit after a closer look
                "to answer",
                Scenario(decision=Action.ANSWER_DIRECTLY, rejects=1, stop=ACCEPTED, decide_before=(4, 10)),
                for_demo_handler,
                1,
                lambda plan: (-plan.item.received_at.timestamp(), plan.code),
            ),
            (
                "overdue",
                Scenario(decision=assign, rejects=0, stop=ACCEPTED, due="overdue"),
                lambda i: elsewhere(i) and received(25, 60)(i),
                5,
                by_code,
            ),
            (
                "due soon",
                Scenario(decision=assign, rejects=0, stop=ACCEPTED, due="soon"),
                lambda i: elsewhere(i) and received(15, 40)(i),
                3,
                by_code,
            ),
            ("reopened", Scenario(rejects=1, stop=ASSESSING), lambda i: for_demo_rep(i) and recent(i), 1, latest),
            (
                "proposal",
                Scenario(decision=Action.MARK_PROPOSAL, rejects=0, stop=ASSESSING),
                lambda i: for_demo_rep(i) and any(w in i.title for w in POLICY_THEMES),
                1,
                latest,
            ),
            (
                "to release",
                Scenario(decision=assign, rejects=0, stop=REPLIED),
                lambda i: for_demo_rep(i) and recent(i),
                2,
                latest,
            ),
            (
                "to rate",
                Scenario(decision=assign, rejects=0, stop=RELEASED),
                lambda i: for_demo_rep(i) and recent(i),
                2,
                latest,
            ),
        )

    def fits(self, plan: LoopPlan, scenario: Scenario) -> bool:
        if plan.point != scenario.stop or (scenario.rejects is not None and plan.redo_count != scenario.rejects):
            return False
        if scenario.stop == RELEASED and plan.rating_due < ANCHOR:
            return False  # the nightly sweep would have closed it unrated
        if scenario.stop in (PENDING, ACCEPTED) and not scenario.extension:
            due = plan.lead.reply_due
            if scenario.due == "overdue":
                return ANCHOR - timedelta(days=21) <= due < ANCHOR
            if scenario.due == "soon":
                return ANCHOR <= due <= self.add_workdays(ANCHOR, 3)
            return due >= ANCHOR  # not overdue: the committee flags the one that is
        if scenario.extension:
            extension = plan.lead.extension
            wanted = "approved" if scenario.extension == "approved" else "pending"
            return bool(extension) and extension["status"] == wanted
        return scenario.decision != Action.MARK_PROPOSAL or plan.marked

    def cast(self, plans: dict[str, LoopPlan], items: list[tuple[str, PlannedSuggestion]]) -> None:
        taken: set[str] = set()
        for name, scenario, wanted, count, first in self.specials():
            found = []
            for code, item in items:
                if code in taken or not wanted(item):
                    continue
                plan = self.simulate(code, item, scenario)
                if self.fits(plan, scenario):
                    found.append(plan)
            for plan in sorted(found, key=first)[:count]:
                plan.special = name
                plans[plan.code] = plan
                taken.add(plan.code)
        # 挂牌督办: the committee flags the most overdue at ANCHOR of what is not steered for another purpose.
        overdue = [
            plan
            for plan in plans.values()
            if plan.special in ("", "overdue") and plan.point == ACCEPTED and plan.lead.reply_due < ANCHOR
        ]
        if overdue:
            flagged = min(overdue, key=lambda plan: (plan.lead.reply_due, plan.code))
            flagged.special, flagged.flagged = "flagged", True

    # Today -----------------------------------------------------------------------------------------

    def bring_to_today(self, plan: LoopPlan) -> None:
        """Open deadlines follow the day of the run; overdue ones are escalated, the flagged one flagged."""
        open_assignments = [a for a in plan.assignments if a.status in OPEN_STATUSES]
        for assignment in open_assignments:
            assignment.accept_due = self.shift(assignment.accept_due)
            assignment.reply_due = self.shift(assignment.reply_due)
            if assignment.extension:
                assignment.extension["requested_due"] = assignment.reply_due
                if assignment.extension["status"] == "pending":
                    assignment.extension["requested_due"] = self.add_workdays(assignment.reply_due, 20)
        if plan.point == RELEASED and plan.rating_due:
            plan.rating_due = self.shift(plan.rating_due)
        last = plan.last_at
        for assignment in open_assignments:
            if assignment.reply_due < self.today:
                moment = _aware(assignment.reply_due + timedelta(days=1), 6 * 60)
                moment = min(max(moment, last + timedelta(minutes=5)), self.now)
                plan.escalations.append((assignment, assignment.reply_due, moment))
        if plan.flagged:
            lead = plan.lead
            moment = _aware(self.add_workdays(lead.reply_due, 1), 10 * 60)
            moment = min(max(moment, last + timedelta(minutes=10)), self.now)
            admin = self.committee_admin(plan.item)
            plan.steps.append(LoopStep(moment, Action.FLAG, plan.stage, plan.stage, admin, FLAG_NOTE))
            for assignment in open_assignments:
                assignment.flagged = True

    # Writing ---------------------------------------------------------------------------------------

    def run(self) -> None:
        with translation.override(settings.LANGUAGE_CODE):  # the texts the services write
            items = [(stable_code(p.key, length=TRACKING_CODE_LENGTH), p) for p in self.intake.suggestions]
            plans = {code: self.simulate(code, item) for code, item in items}
            self.cast(plans, items)
            handlers = self.handler_users(plans)
            self.write(plans, handlers)

    def handler_users(self, plans: dict[str, LoopPlan]) -> dict[str, int]:
        """A fictional handler (handler_<n>, no usable password) for each unit used; demo_handler for 住建局."""
        order = _demo_unit_names()
        rng = random.Random(f"{LOOP_RANDOM_SEED}:handlers")
        names = {}
        for unit in order:  # drawn for every unit, so a name never depends on which units are used
            gender = Representative.Gender.FEMALE if rng.random() < 0.45 else Representative.Gender.MALE
            names[unit] = self.seeder.person_name(gender, rng=rng)
        used = {a.unit for plan in plans.values() for a in plan.assignments}
        usernames = {
            unit: "demo_handler" if unit == DEMO_HANDLER_UNIT else f"handler_{order.index(unit) + 1:02d}"
            for unit in order
            if unit in used
        }
        user_model = get_user_model()
        users = {u.username: u for u in user_model.objects.filter(username__in=usernames.values())}
        new = []
        for unit, username in usernames.items():
            if username not in users:
                user = user_model(
                    username=username, full_name=names[unit], email=f"{username}@example.cn", is_active=True
                )
                user.set_unusable_password()
                users[username] = user
                new.append(user)
        user_model.objects.bulk_create(new)
        self.seeder.tally.created["user"] += len(new)
        ids = {unit: users[username].pk for unit, username in usernames.items()}
        through = HandlingUnit.handlers.through
        linked = set(through.objects.filter(user_id__in=ids.values()).values_list("handlingunit_id", "user_id"))
        links = [
            through(handlingunit_id=self.units[unit].pk, user_id=user_id)
            for unit, user_id in ids.items()
            if (self.units[unit].pk, user_id) not in linked
        ]
        through.objects.bulk_create(links)
        self.seeder.tally.created["unit handler"] += len(links)
        return ids

    def write(self, plans: dict[str, LoopPlan], handlers: dict[str, int]) -> None:
        rows = Suggestion.objects.filter(tracking_code__in=plans).values_list("tracking_code", "pk", "stage")
        current = {code: (pk, stage) for code, pk, stage in rows}
        acted = set(
            Event.objects.filter(suggestion_id__in=[pk for pk, _ in current.values()], kind=Event.Kind.ACTION)
            .values_list("suggestion_id", flat=True)
            .distinct()
        )
        todo = []
        for code, plan in plans.items():
            pk, stage = current.get(code, (None, None))
            # Only what is still where the plan starts: a suggestion a user moved on is left alone.
            if plan.steps and pk is not None and stage == Stage.COLLECT and pk not in acted:
                self.bring_to_today(plan)
                todo.append((pk, plan))
        if not todo:
            return
        ids = [pk for pk, _ in todo]

        def actor(value):
            return handlers[value] if isinstance(value, str) else value

        # Assignments, keyed by (suggestion, unit, role).
        assignments = {
            (s, u, r): pk
            for pk, s, u, r in Assignment.objects.filter(suggestion_id__in=ids).values_list(
                "pk", "suggestion_id", "unit_id", "role"
            )
        }
        fresh = []
        for pk, plan in todo:
            for a in plan.assignments:
                key = (pk, self.units[a.unit].pk, a.role)
                if key in assignments:
                    continue
                obj = Assignment(
                    suggestion_id=pk,
                    unit_id=key[1],
                    role=a.role,
                    status=a.status,
                    instructions=a.instructions,
                    accept_due=a.accept_due,
                    reply_due=a.reply_due,
                    responsible_id=handlers[a.unit] if a.accepted_at else None,
                    assigned_by_id=a.assigned_by,
                    flagged=a.flagged,
                    accepted_at=a.accepted_at,
                    replied_at=a.replied_at,
                    reply_workdays=(
                        workdays.workdays_between(timezone.localdate(a.assigned_at), timezone.localdate(a.replied_at))
                        if a.replied_at
                        else None
                    ),
                )
                fresh.append((obj, a.assigned_at))
                assignments[key] = obj
        self.bulk_dated(Assignment, fresh)
        assignment_pk = {key: (value if isinstance(value, int) else value.pk) for key, value in assignments.items()}

        def assignment_of(pk, a):
            return assignment_pk[(pk, self.units[a.unit].pk, a.role)]

        replied = set(
            Reply.objects.filter(assignment_id__in=assignment_pk.values()).values_list("assignment_id", flat=True)
        )
        asked = set(
            ExtensionRequest.objects.filter(assignment_id__in=assignment_pk.values()).values_list(
                "assignment_id", flat=True
            )
        )
        supervised = set(
            Supervision.objects.filter(assignment_id__in=assignment_pk.values()).values_list(
                "assignment_id", "kind", "deadline"
            )
        )
        replies, extensions, supervisions = [], [], []
        for pk, plan in todo:
            for a in plan.assignments:
                apk = assignment_of(pk, a)
                if a.reply and apk not in replied:
                    reply = Reply(assignment_id=apk, result=a.reply[0], text=a.reply[1], by_id=handlers[a.unit])
                    replies.append((reply, a.replied_at))
                if a.extension and apk not in asked:
                    ext = a.extension
                    approved = ext["status"] == "approved"
                    request = ExtensionRequest(
                        assignment_id=apk,
                        reason=ext["reason"],
                        requested_due=ext["requested_due"],
                        status=ExtensionRequest.Status.APPROVED if approved else ExtensionRequest.Status.PENDING,
                        granted_due=ext["requested_due"] if approved else None,
                        decision_note=EXTENSION_DECISION if approved else "",
                        requested_by_id=handlers[a.unit],
                        decided_by_id=ext.get("decided_by"),
                        decided_at=ext.get("decided_at"),
                    )
                    extensions.append((request, ext["at"]))
            for a, deadline, moment in plan.escalations:
                key = (assignment_of(pk, a), Supervision.Kind.ESCALATION, deadline)
                if key not in supervised:
                    supervision = Supervision(assignment_id=key[0], kind=key[1], deadline=deadline, notified_at=moment)
                    supervisions.append((supervision, moment))
        self.bulk_dated(Reply, replies)
        self.bulk_dated(ExtensionRequest, extensions)
        self.bulk_dated(Supervision, supervisions)

        # Ratings, keyed by (suggestion, round).
        rated = set(Rating.objects.filter(suggestion_id__in=ids).values_list("suggestion_id", "round"))
        ratings = [
            (Rating(suggestion_id=pk, verdict=verdict, comment=comment, round=round_), moment)
            for pk, plan in todo
            for round_, verdict, comment, moment in plan.ratings
            if (pk, round_) not in rated
        ]
        self.bulk_dated(Rating, ratings)

        # Timeline: workflow steps keyed by (suggestion, action, from, to, how many such before), escalations by note.
        seen = Counter(
            Event.objects.filter(suggestion_id__in=ids, kind=Event.Kind.ACTION).values_list(
                "suggestion_id", "action", "from_stage", "to_stage"
            )
        )
        noted = set(
            Event.objects.filter(suggestion_id__in=ids, kind=Event.Kind.ESCALATION).values_list("suggestion_id", "note")
        )
        events = []
        for pk, plan in todo:
            counts = Counter()
            for step in sorted(plan.steps, key=lambda s: s.at):
                key = (pk, step.action, step.from_stage, step.to_stage)
                counts[key] += 1
                if counts[key] <= seen[key]:
                    continue
                event = Event(
                    suggestion_id=pk,
                    kind=Event.Kind.ACTION,
                    action=step.action,
                    from_stage=step.from_stage,
                    to_stage=step.to_stage,
                    actor_id=actor(step.actor),
                    note=step.note,
                    public_text=step.public_text,
                )
                events.append((event, step.at))
            for a, deadline, moment in plan.escalations:
                values = {"unit": a.unit, "title": plan.item.title[:60], "due": deadline.isoformat()}
                note = gettext("Overdue since %(due)s, escalated to the committee: %(unit)s: %(title)s") % values
                if (pk, note) not in noted:
                    events.append((Event(suggestion_id=pk, kind=Event.Kind.ESCALATION, note=note), moment))
        events.sort(key=lambda row: row[1])
        self.bulk_dated(Event, events)

        values = []
        for pk, plan in todo:
            moved = [step.at for step in plan.steps if step.from_stage != step.to_stage]
            values.append(
                (
                    pk,
                    {
                        "stage": plan.stage,
                        "assessor": plan.assessor_id,
                        "redo_count": plan.redo_count,
                        "under_committee_supervision": plan.supervised,
                        "flagged": plan.flagged,
                        "marked_for_proposal": plan.marked,
                        "answer": plan.answer,
                        "answer_released_at": plan.released_at,
                        "rating_due": plan.rating_due,
                        "outcome": plan.outcome,
                        "stage_changed_at": moved[-1] if moved else None,
                        "closed_at": plan.closed_at,
                        "updated_at": max(step.at for step in plan.steps),
                    },
                )
            )
        # Conditional, as the services' UPDATE … WHERE stage = <expected>: only what is still at 汇总梳理 moves.
        self.seeder.tally.updated["suggestion"] += _update_rows(Suggestion, values, where={"stage": Stage.COLLECT})

    def bulk_dated(self, model, rows: list[tuple[models.Model, datetime]]) -> None:
        """Insert, then date each row when it happened (``auto_now_add`` stamps the moment of the run)."""
        objects = [obj for obj, _ in rows]
        model.objects.bulk_create(objects, batch_size=500)
        _update_rows(model, [(obj.pk, {"created_at": moment}) for obj, moment in rows])
        self.seeder.tally.created[model._meta.model_name] += len(objects)


def _update_rows(model, rows: list[tuple[int, dict]], where: dict | None = None) -> int:
    """``UPDATE … SET <fields> WHERE id = %s [AND …]`` for many rows in one ``executemany``.

    ``bulk_update`` builds a CASE expression per field and row, which takes seconds for a few
    thousand rows; every row here has the same fields, so one prepared statement serves them all.
    """
    if not rows:
        return 0
    meta = model._meta
    names = list(rows[0][1])
    where = where or {}
    fields = [meta.get_field(name) for name in names]
    conditions = [meta.get_field(name) for name in where]
    quote = connection.ops.quote_name
    sql = (
        f"UPDATE {quote(meta.db_table)} SET {', '.join(f'{quote(f.column)} = %s' for f in fields)} "
        f"WHERE {quote(meta.pk.column)} = %s" + "".join(f" AND {quote(f.column)} = %s" for f in conditions)
    )
    fixed = [f.get_db_prep_save(value, connection) for f, value in zip(conditions, where.values(), strict=True)]
    params = [[*(f.get_db_prep_save(values[f.name], connection) for f in fields), pk, *fixed] for pk, values in rows]
    with connection.cursor() as cursor:
        cursor.executemany(sql, params)
        return cursor.rowcount if cursor.rowcount >= 0 else len(rows)


class Command(BaseCommand):
    help = "Load the demo registry (平顶山市, 林州市, 开封市四季城) and the demo logins. Safe to run again."

    def handle(self, *args, **options):
        started = time.monotonic()
        with transaction.atomic():
            seeder = Seeder()
            logins = seeder.run()
        self.report(seeder, logins, time.monotonic() - started)

    def intake_summary(self) -> str:
        today = timezone.localdate()
        suggestions = Suggestion.objects.aggregate(
            total=models.Count("pk"), enterprise=models.Count("pk", filter=models.Q(is_enterprise=True))
        )
        days = ReceptionDay.objects.aggregate(
            total=models.Count("pk"), upcoming=models.Count("pk", filter=models.Q(date__gte=today))
        )
        attendances = ReceptionDay.on_duty.through.objects.filter(receptionday__date__lt=today).count()
        return (
            f"Intake: {suggestions['total']} suggestions ({suggestions['enterprise']} from enterprises), "
            f"{days['total']} reception days ({days['upcoming']} upcoming), {Visit.objects.count()} visits, "
            f"{attendances} attendances of representatives on duty."
        )

    def loop_summary(self) -> str:
        today = timezone.localdate()
        stages = Counter(dict(Suggestion.objects.values_list("stage").annotate(n=models.Count("pk"))))
        outcomes = Counter(
            dict(Suggestion.objects.filter(stage=Stage.CLOSED).values_list("outcome").annotate(n=models.Count("pk")))
        )
        open_assignments = Assignment.objects.filter(status__in=OPEN_STATUSES)
        soon = workdays.add_workdays(today, 3)
        overdue = open_assignments.filter(reply_due__lt=today).count()
        due_soon = open_assignments.filter(reply_due__gte=today, reply_due__lte=soon).count()
        with translation.override("en"):
            stage_text = ", ".join(f"{stages[stage]} {stage}" for stage in Stage.values)
            outcome_text = ", ".join(f"{outcomes[o]} {Outcome(o).label.lower()}" for o in Outcome.values if outcomes[o])
        flagged = Suggestion.objects.filter(flagged=True).count()
        supervised = Suggestion.objects.filter(under_committee_supervision=True).count()
        return (
            f"Loop: {stage_text} ({outcome_text}); open assignments: {overdue} overdue, "
            f"{due_soon} due within 3 working days; {flagged} flagged (挂牌督办), "
            f"{supervised} under committee supervision."
        )

    def report(self, seeder: Seeder, logins: list[Login], seconds: float):
        tally = seeder.tally
        created, updated = tally.total(tally.created), tally.total(tally.updated)
        if created or updated:
            self.stdout.write(self.style.SUCCESS(f"Demo data loaded: {created} rows created, {updated} updated."))
        else:
            self.stdout.write(self.style.SUCCESS("Demo data already up to date: nothing changed."))

        pingdingshan = seeder.regions[("平顶山市",)]
        chain_stations = Station.objects.filter(
            kind=Station.Kind.INDUSTRY_CHAIN, parent__isnull=True, region__path__startswith=pingdingshan.path
        )
        totals = IndustryChain.objects.filter(name__in=CHAINS_BY_NAME).aggregate(
            parks=models.Sum("parks_count"),
            enterprises=models.Sum("enterprises_count"),
            cooperatives=models.Sum("cooperatives_count"),
        )
        tobacco = Station.objects.get(region=seeder.regions[("平顶山市", "郏县")], name=TOBACCO_STATION)
        linzhou = seeder.regions[("安阳市", "林州市")]
        sijicheng = Station.objects.get(
            name=SIJICHENG, region=seeder.regions[("开封市", "龙亭区", "北郊乡", "四季城社区")]
        )
        lines = [
            ("Regions", Region.objects.count()),
            ("Stations", Station.objects.count()),
            ("  平顶山市 industry-chain, built", chain_stations.filter(status=Station.Status.BUILT).count()),
            (
                "  平顶山市 industry-chain, under construction",
                chain_stations.filter(status=Station.Status.UNDER_CONSTRUCTION).count(),
            ),
            ("  烟叶“1+13” sub-points", tobacco.sub_points.count()),
            (
                "  林州市 township/street stations",
                Station.objects.filter(kind=Station.Kind.TOWNSHIP, region__path__startswith=linzhou.path).count(),
            ),
            ("  四季城 resident representatives", sijicheng.residencies.count()),
            (
                "Industry chains (parks / enterprises / cooperatives)",
                f"{len(CHAINS)} ({totals['parks']} / {totals['enterprises']} / {totals['cooperatives']})",
            ),
            ("Representatives", Representative.objects.count()),
            ("Congress memberships", CongressMembership.objects.count()),
            ("Professional groups", ProfessionalGroup.objects.count()),
            ("Standardisation items", StandardItem.objects.count()),
            ("Handling units", HandlingUnit.objects.count()),
        ]
        width = max(_text_width(label) for label, _ in lines) + 2
        for label, value in lines:
            self.stdout.write(f"  {_pad(label, width)}{value}")
        self.stdout.write(self.intake_summary())
        self.stdout.write(self.loop_summary())

        self.stdout.write("")
        self.stdout.write(f"Demo logins (password for all: {DEMO_PASSWORD}):")
        rows = [("username", "role", "scope")] + [
            (login.username, f"{login.role.value} {login.role.label}", login.scope) for login in logins
        ]
        widths = [max(_text_width(str(row[col])) for row in rows) + 2 for col in range(2)]
        for index, (username, role, scope) in enumerate(rows):
            self.stdout.write(f"  {_pad(username, widths[0])}{_pad(role, widths[1])}{scope}")
            if index == 0:
                self.stdout.write("  " + "-" * (sum(widths) + max(_text_width(r[2]) for r in rows)))
        self.stdout.write(f"Done in {seconds:.1f} s.")


# Activities and scoring rules (履职活动, 履职量化考评) ------------------------------------------

ACTIVITY_KINDS = [
    "进园区",
    "进企业",
    "进工地",
    "进乡村",
    "调研",
    "视察",
    "执法检查",
    "专业小组活动",
    "立法调研",
    "座谈",
]
# 四季城: "组织代表参与«河南省中小微企业发展促进条例»、«开封市城市供水用水条例»等6部地方法规的立法调研".
SIJICHENG_LEGISLATION = [
    "河南省中小微企业发展促进条例",
    "开封市城市供水用水条例",
    "开封市物业管理条例（草案）",
    "开封市城市绿化条例（修订草案）",
    "开封市文明行为促进条例（修订草案）",
    "开封市养犬管理条例（草案）",
]
ACTIVITY_TEMPLATES = {
    "进园区": (
        "走进{place}产业园区了解企业用工用地需求",
        "代表走访园区管委会和入驻企业，听取企业在用工、用地、融资方面的困难，现场记录问题线索，会后整理交有关部门。",
    ),
    "进企业": (
        "走访{place}重点企业开展“代表进企业”活动",
        "代表深入企业生产车间，与企业负责人座谈，了解产品销路和政策落实情况，收集涉企问题线索。",
    ),
    "进工地": (
        "察看{place}重点项目工地建设进度",
        "代表实地察看项目施工进度、安全生产和农民工工资支付情况，督促施工单位落实安全措施。",
    ),
    "进乡村": (
        "深入{place}田间地头听取种植户意见",
        "代表走进村组和合作社，了解种植面积、技术指导和销售渠道，帮助协调农资供应。",
    ),
    "调研": (
        "围绕{place}产业发展开展专题调研",
        "代表小组分组走访农户、合作社和企业，形成调研报告，提出扶持产业发展的建议。",
    ),
    "视察": (
        "视察{place}民生实事项目推进情况",
        "代表听取有关部门情况汇报，实地察看项目现场，对推进中存在的问题提出意见建议。",
    ),
    "执法检查": (
        "参与{place}食品安全法执法检查",
        "代表随同执法检查组检查农贸市场和食品生产企业，抽查台账记录，提出整改意见。",
    ),
    "专业小组活动": (
        "{place}专业代表小组集中活动",
        "专业代表小组围绕本行业发展开展交流，梳理群众反映集中的问题，商定下一步履职安排。",
    ),
}


class ActivitySeeder:
    """Activity kinds, the default scoring rules and two years of activities at the demo stations.

    Idempotent: kinds and rules are looked up by name and basis, activities by (station, date, title).
    """

    def __init__(self, seeder: Seeder):
        self.seeder = seeder
        self.rng = random.Random("activities")

    def run(self) -> None:
        from activities.models import Activity, ActivityKind, ScoringRule

        kinds = {}
        for order, name in enumerate(ACTIVITY_KINDS, start=1):
            kinds[name], created = ActivityKind.objects.get_or_create(name=name, defaults={"order": order})
            self.seeder.tally.created["activity kind"] += created
        if not ScoringRule.objects.exists():
            rules = [
                ScoringRule(basis=ScoringRule.Basis.DUTY, points=Decimal("2"), cap=Decimal("20")),
                ScoringRule(basis=ScoringRule.Basis.TRIAGE, points=Decimal("1"), within_days=3, cap=Decimal("20")),
                ScoringRule(basis=ScoringRule.Basis.SATISFIED, points=Decimal("2"), cap=Decimal("30")),
                ScoringRule(basis=ScoringRule.Basis.PROPOSAL, points=Decimal("5")),
            ]
            rules += [
                ScoringRule(
                    basis=ScoringRule.Basis.ACTIVITY,
                    activity_kind=kind,
                    points=Decimal("3") if name == "立法调研" else Decimal("1.5"),
                    cap=Decimal("15"),
                )
                for name, kind in kinds.items()
            ]
            ScoringRule.objects.bulk_create(rules)
            self.seeder.tally.created["scoring rule"] += len(rules)
        today = timezone.localdate()
        planned = []  # (station, date, kind name, title, summary, participants)
        residents = {}
        for rep_id, station_id in Residency.objects.values_list("representative_id", "station_id").order_by("pk"):
            residents.setdefault(station_id, []).append(rep_id)
        stations = list(Station.objects.filter(pk__in=residents).order_by("pk"))
        sijicheng = next((s for s in stations if s.name == SIJICHENG), None)
        if sijicheng is not None:
            people = residents[sijicheng.pk]
            for index, law in enumerate(SIJICHENG_LEGISLATION):
                day = today - timedelta(days=660 - index * 100)
                planned.append(
                    (sijicheng, day, "立法调研", f"参与«{law}»立法调研",
                     f"组织代表、专业人员和信息采集员逐条研读«{law}»，召开座谈会征求居民和企业意见，汇总修改建议报市人大常委会法工委。",
                     people[index % 5: index % 5 + 6])
                )  # fmt: skip
            planned.append(
                (sijicheng, today - timedelta(days=400), "调研", "围绕物业管理服务问题开展专题调研",
                 "代表走访四季城等小区业主和物业企业，了解物业收费、维修资金使用和服务质量问题，形成调研报告。",
                 people[:8])
            )  # fmt: skip
            for index in range(3):
                planned.append(
                    (sijicheng, today - timedelta(days=380 - index * 14), "座谈",
                     f"物业管理服务问题座谈会（第{index + 1}次）",
                     "邀请业主代表、物业企业和街道社区座谈，汇总意见建议，为联名提出制定«开封市物业管理条例»的议案做准备。",
                     people[index * 3: index * 3 + 5])
                )  # fmt: skip
        templates = list(ACTIVITY_TEMPLATES)
        for station in stations:
            if station.pk == getattr(sijicheng, "pk", None):
                continue
            people = residents[station.pk]
            place = station.name.split("镇")[0].split("乡")[0].replace("人大代表联络站", "")[:6] or station.name[:4]
            industry = station.kind == Station.Kind.INDUSTRY_CHAIN
            for _index in range(self.rng.randint(4, 9) if industry else self.rng.randint(1, 4)):
                kind = self.rng.choice(templates[:4] if industry and self.rng.random() < 0.6 else templates)
                title, summary = ACTIVITY_TEMPLATES[kind]
                day = today - timedelta(days=self.rng.randint(3, 700))
                count = min(len(people), self.rng.randint(2, 5))
                planned.append((station, day, kind, title.format(place=place), summary, self.rng.sample(people, count)))
        existing = set(Activity.objects.values_list("station_id", "date", "title"))
        staff = get_user_model().objects.filter(username="demo_staff").first()
        through = Activity.representatives.through
        links = []
        for station, day, kind, title, summary, people in planned:
            if (station.pk, day, title) in existing:
                continue
            activity = Activity.objects.create(
                kind=kinds[kind], date=day, station=station, title=title, summary=summary, created_by=staff
            )
            links += [through(activity_id=activity.pk, representative_id=rep) for rep in people]
            self.seeder.tally.created["activity"] += 1
        through.objects.bulk_create(links)
